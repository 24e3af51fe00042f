"""Gallery requests and answers, shared by the API (routes under /v1/galleries) and the worker
(matches of each recovered face in a job naming `galleries`).

The same-person score is the cosine of two dlib ResNet embeddings (gallery.embedding). A match
is `same_person` when its score is at least the threshold at which CALIBRATED_FALSE_MATCH_RATE
of pairs of different people score as high, measured on CelebA training-split people
(`python bench/gallery_calibrate.py`; test people never used): PHOTO_THRESHOLD for a searched
photo against enrolled photos, CROP_THRESHOLD for a job's aligned 128 px faces (raw, recovered
source, recovered target) against enrolled photos.
"""

from pydantic import BaseModel, ConfigDict, Field

PHOTO_THRESHOLD = 0.9459
CROP_THRESHOLD = 0.9435
CALIBRATED_FALSE_MATCH_RATE = 0.0001
GALLERY_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
MAX_TOP_K = 50
JOB_TOP_K = 5
"""Matches per searched face in a job."""
MAX_JOB_GALLERIES = 8


class GalleryModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PersonCreate(GalleryModel):
    label: str = Field(min_length=1, max_length=200, description="a name shown with matches")
    external_id: str = Field(
        min_length=1, max_length=200, description="the tenant's own id; unique in the gallery"
    )
    consent_reference: str = Field(
        min_length=1, max_length=500, description="where the person's consent is recorded"
    )


class PhotoView(GalleryModel):
    id: str
    box: list[int] = Field(description="left, top, right, bottom of the face enrolled")
    sha256: str = Field(description="of the stored (normalized PNG) photo")


class PersonView(GalleryModel):
    id: str
    label: str
    external_id: str
    consent_reference: str
    photos: list[PhotoView]


class GalleryView(GalleryModel):
    name: str
    version: int = Field(description="grows with every enrol and delete")
    people: int
    photos: int


class GalleryMatch(GalleryModel):
    gallery: str
    person_id: str
    label: str
    external_id: str
    photo_id: str = Field(description="the person's photo closest to the query")
    score: float = Field(description="same-person score: cosine of the face embeddings")
    same_person: bool = Field(description="score >= threshold")


class GallerySearch(GalleryModel):
    threshold: float = Field(description="same_person: score >= threshold")
    false_match_rate: float = Field(
        CALIBRATED_FALSE_MATCH_RATE,
        description="share of pairs of photos of different people scoring >= threshold "
        "(calibration); a search compares with every enrolled photo, so its chance of some "
        "false match grows with the gallery",
    )
    matches: list[GalleryMatch] = Field(description="best first, one per person, at most top_k")


class PhotoSearch(GallerySearch):
    box: list[int] = Field(description="the face searched: the photo's largest")


class FaceGalleryMatches(GalleryModel):
    """A job's matches for one face: the raw face, the recovered source, the recovered target."""

    index: int
    raw: GallerySearch
    source: GallerySearch
    target: GallerySearch
