// The moderator page: upload one photo or video, follow the job, show faces, pictures and
// evidence (a video's tracks are drawn by video.js).
"use strict";

const $ = (id) => document.getElementById(id);
const FINISHED = new Set(["succeeded", "failed", "not_applicable"]);
const KEY_ITEM = "dfrec.apiKey"; // sessionStorage only: gone when the tab closes

// Every API call carries the key; pictures and evidence are fetched with it and shown from
// blob: URLs (an <img src> cannot send a header).
function api(url, options = {}) {
  const headers = { ...(options.headers || {}), Authorization: `Bearer ${$("api-key").value.trim()}` };
  return fetch(url, { ...options, headers });
}

async function blobUrl(url) {
  const response = await api(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return URL.createObjectURL(await response.blob());
}

async function withLocalUrls(job) {
  const entries = await Promise.all(Object.entries(job.result.artifacts)
    .map(async ([name, artifact]) => [name, { ...artifact, url: await blobUrl(artifact.url) }]));
  const links = { ...job.links };
  if (links.evidence) links.evidence = await blobUrl(links.evidence);
  return { ...job, links, result: { ...job.result, artifacts: Object.fromEntries(entries) } };
}

function element(tag, properties = {}, children = []) {
  const node = Object.assign(document.createElement(tag), properties);
  node.append(...children);
  return node;
}

function setStatus(text, failed = false) {
  $("status").textContent = text;
  $("status").classList.toggle("failed", failed);
}

function percent(value) {
  return value === null ? "n/a" : `${(100 * value).toFixed(1)} %`;
}

async function submit(file) {
  const form = new FormData();
  form.append("image", file);
  const galleries = $("galleries").value.trim();
  const url = galleries ? `recover?galleries=${encodeURIComponent(galleries)}` : "recover";
  const response = await api(url, { method: "POST", body: form });
  const body = await response.json();
  if (response.status !== 202) throw new Error(`${body.error.code}: ${body.error.message}`);
  return body;
}

function showProgress(progress) {
  $("progress").hidden = !progress;
  if (progress) Object.assign($("progress"), { max: progress.frames_total, value: progress.frames_done });
}

async function follow(job) {
  while (!FINISHED.has(job.status)) {
    setStatus(`Job ${job.id}: ${job.status}, stage ${job.stage}${progressText(job)}`);
    showProgress(job.progress);
    const response = await api(job.links.self);
    const waitSeconds = Number(response.headers.get("Retry-After") || "1");
    job = await response.json();
    if (!response.ok) throw new Error(`${job.error.code}: ${job.error.message}`);
    if (!FINISHED.has(job.status)) await new Promise((done) => setTimeout(done, waitSeconds * 1000));
  }
  return job;
}

function drawBoxes(job) {
  const frame = $("photo-frame");
  frame.querySelectorAll(".face-box").forEach((box) => box.remove());
  for (const face of job.result.faces) {
    const [left, top, right, bottom] = face.box;
    const label = face.status === "succeeded"
      ? `#${face.index} ${percent(face.fake_probability)}` : `#${face.index} ${face.reason}`;
    const box = element("div", { className: "face-box" }, [element("span", { textContent: label })]);
    box.classList.toggle("skipped", face.status !== "succeeded");
    Object.assign(box.style, {
      left: `${(100 * left) / job.input.width}%`,
      top: `${(100 * top) / job.input.height}%`,
      width: `${(100 * (right - left)) / job.input.width}%`,
      height: `${(100 * (bottom - top)) / job.input.height}%`,
    });
    frame.append(box);
  }
}

function picture(url, caption, extraLayer) {
  const image = element("img", { src: url, alt: caption });
  const content = extraLayer
    ? element("div", { className: "overlay" }, [image, extraLayer]) : image;
  return element("figure", {}, [content, element("figcaption", { textContent: caption })]);
}

function lreText(face) {
  return face.lre_fake_probability === null || face.lre_fake_probability === undefined
    ? "" : `, second opinion (LRE) ${percent(face.lre_fake_probability)}`;
}

// Who each searched face looks like: the closest people of the named galleries, best first.
function matchList(title, search) {
  const items = search.matches.slice(0, 3).map((match) => element("li", {
    className: match.same_person ? "same-person" : "",
    textContent: `${match.label} (${match.gallery}/${match.external_id}) ${match.score.toFixed(3)}`
      + (match.same_person ? " · same person" : ""),
  }));
  if (!items.length) items.push(element("li", { textContent: "nobody enrolled" }));
  return element("div", {}, [element("h3", { textContent: title }), element("ol", {}, items)]);
}

function galleryMatches(matches) {
  return element("div", { className: "row matches" }, [
    matchList("Raw face", matches.raw),
    matchList("Recovered source", matches.source),
    matchList("Recovered target", matches.target),
  ]);
}

function faceCard(face, artifacts, matches) {
  const title = `Face #${face.index}: ` + (face.status === "succeeded"
    ? `fake probability ${percent(face.fake_probability)}${lreText(face)}`
    : `not applicable (${face.reason})`);
  const figures = [];
  if (face.status === "succeeded") {
    const url = (kind) => artifacts[face.artifacts[kind]].url;
    const mask = element("img", { src: url("mask"), alt: "mask layer", className: "mask-layer" });
    figures.push(
      picture(url("crop"), "Aligned face, mask over it", mask),
      picture(url("mask"), "Mask: where the source identity is"),
      picture(url("source"), "Recovered source (estimate)"),
      picture(url("target"), "Recovered target (estimate)"),
    );
    if (face.artifacts.heatmap) {
      figures.push(picture(url("heatmap"), "Heat map (LRE): bright where the face does not rebuild"));
    }
  }
  return element("div", { className: "face" }, [
    element("h2", { textContent: title }),
    element("div", { className: "row" }, figures),
    ...(matches ? [galleryMatches(matches)] : []),
  ]);
}

function summary(job) {
  const result = job.result;
  const evidence = element("a", {
    className: "button", id: "download-evidence", href: job.links.evidence,
    download: `dfrec-evidence-${job.id}.json`, textContent: "Download evidence",
  });
  const model = result.model;
  return [
    element("span", { className: "probability", textContent: `Fake probability ${percent(result.fake_probability)}` }),
    element("span", { textContent: `${result.faces_detected} face(s) detected` }),
    element("span", { textContent: `model ${model.name} v${model.version} (${model.variant})` }),
    element("code", { textContent: `input sha256 ${job.input.sha256}` }),
    evidence,
  ];
}

function show(job) {
  const result = job.result;
  $("summary").replaceChildren(...summary(job));
  drawBoxes(job);
  const artifacts = result.artifacts;
  const contexts = [
    ["context_target", "context-target"], ["context_source", "context-source"],
    ["context_heatmap", "context-heatmap"],
  ];
  for (const [kind, id] of contexts) {
    $(`${id}-figure`).hidden = !artifacts[kind];
    if (artifacts[kind]) $(id).src = artifacts[kind].url;
    else $(id).removeAttribute("src");
  }
  const matches = new Map((result.gallery_matches || []).map((found) => [found.index, found]));
  $("faces").replaceChildren(
    ...result.faces.map((face) => faceCard(face, artifacts, matches.get(face.index))));
  $("result").hidden = false;
}

async function handle(file) {
  delete document.body.dataset.job;
  delete document.body.dataset.frame;
  $("result").hidden = true;
  $("video-result").hidden = true;
  try {
    setStatus(`Uploading ${file.name} ...`);
    const accepted = await submit(file);
    if (!accepted.input.video) $("photo").src = URL.createObjectURL(file);
    const job = await follow(accepted);
    showProgress(null);
    if (job.status === "failed") {
      document.body.dataset.job = job.status;
      setStatus(`Job ${job.id} failed: ${job.error.code}: ${job.error.message}`, true);
      return;
    }
    const reason = job.result.reason ? ` (${job.result.reason})` : "";
    setStatus(`Job ${job.id}: ${job.status}${reason}`);
    if (job.result.tracks) showVideo(await withLocalUrls(job), file);
    else show(await withLocalUrls(job));
    document.body.dataset.job = job.status;
  } catch (error) {
    showProgress(null);
    document.body.dataset.job = "error";
    setStatus(String(error.message || error), true);
  }
}

function start() {
  const drop = $("drop");
  $("api-key").value = sessionStorage.getItem(KEY_ITEM) || "";
  $("api-key").addEventListener("input", (event) => {
    sessionStorage.setItem(KEY_ITEM, event.target.value.trim());
  });
  $("file").addEventListener("change", (event) => {
    if (event.target.files.length) handle(event.target.files[0]);
  });
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    if (event.dataTransfer.files.length) handle(event.dataTransfer.files[0]);
  });
}

start();
