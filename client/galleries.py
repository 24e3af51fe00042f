"""One gallery of the caller's tenant (the blocking client's `gallery(name)`): people, photo
enrolment, erasure and search by photo. Answers are the typed models of
dfrec_contract.galleries; errors raise client.errors.ApiError with the API's code."""

import os

import httpx

from client.protocol import raise_for_error, upload_files
from dfrec_contract.galleries import GalleryView, PersonCreate, PersonView, PhotoSearch, PhotoView


class GalleryClient:
    def __init__(self, http: httpx.Client, name: str) -> None:
        self.http = http
        self.path = f"/v1/galleries/{name}"

    def _json(self, response: httpx.Response):
        raise_for_error(response)
        return response.json()

    def create(self) -> GalleryView:
        """Create the gallery (an existing one is answered as is)."""
        return GalleryView.model_validate(self._json(self.http.put(self.path)))

    def info(self) -> GalleryView:
        return GalleryView.model_validate(self._json(self.http.get(self.path)))

    def delete(self) -> None:
        """Erase the gallery with every person, photo and embedding in it."""
        raise_for_error(self.http.delete(self.path))

    def add_person(self, label: str, external_id: str, consent_reference: str) -> PersonView:
        body = PersonCreate(
            label=label, external_id=external_id, consent_reference=consent_reference
        )
        response = self.http.post(f"{self.path}/people", json=body.model_dump())
        return PersonView.model_validate(self._json(response))

    def people(self) -> list[PersonView]:
        return [
            PersonView.model_validate(p) for p in self._json(self.http.get(f"{self.path}/people"))
        ]

    def enrol(
        self, person_id: str, image: str | os.PathLike | bytes, filename: str = "image"
    ) -> PhotoView:
        """Enrol a photo of the person (its largest face); ApiError `no_face` without one."""
        files = upload_files(image, filename)
        response = self.http.post(f"{self.path}/people/{person_id}/photos", files=files)
        return PhotoView.model_validate(self._json(response))

    def delete_person(self, person_id: str) -> None:
        raise_for_error(self.http.delete(f"{self.path}/people/{person_id}"))

    def delete_photo(self, person_id: str, photo_id: str) -> None:
        raise_for_error(self.http.delete(f"{self.path}/people/{person_id}/photos/{photo_id}"))

    def search(
        self, image: str | os.PathLike | bytes, top_k: int = 5, filename: str = "image"
    ) -> PhotoSearch:
        """The people closest to the photo's largest face, best first."""
        response = self.http.post(
            f"{self.path}/search", files=upload_files(image, filename), params={"top_k": top_k}
        )
        return PhotoSearch.model_validate(self._json(response))
