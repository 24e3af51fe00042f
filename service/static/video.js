// The moderator page's video view: the track list, each track's timeline as an SVG chart, and
// the frame behind a clicked point (drawn from the uploaded file, the track's boxes over it).
// Uses element(), percent() and $() from app.js (loaded after this file, called later).
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const CHART = { width: 460, height: 120, left: 34, right: 8, top: 8, bottom: 20 };
const FRAME_MAX_WIDTH = 640;

function svg(tag, attributes = {}, children = []) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

// Chart coordinates: x is the time in the whole video (so tracks line up), y the probability.
function scales(duration) {
  const plotWidth = CHART.width - CHART.left - CHART.right;
  const plotHeight = CHART.height - CHART.top - CHART.bottom;
  return {
    x: (seconds) => CHART.left + (plotWidth * seconds) / Math.max(duration, 1e-6),
    y: (probability) => CHART.top + plotHeight * (1 - probability),
  };
}

function axes(scale, duration, threshold) {
  const [x0, x1] = [scale.x(0), scale.x(duration)];
  const label = (x, y, text, anchor) =>
    svg("text", { x, y, "text-anchor": anchor, class: "axis-label" }, [text]);
  return [
    svg("rect", { x: x0, y: scale.y(1), width: x1 - x0, height: scale.y(0) - scale.y(1), class: "plot" }),
    svg("line", { x1: x0, x2: x1, y1: scale.y(threshold), y2: scale.y(threshold), class: "threshold" }),
    label(x0 - 4, scale.y(1) + 4, "100%", "end"),
    label(x0 - 4, scale.y(threshold) + 4, `${Math.round(100 * threshold)}%`, "end"),
    label(x0 - 4, scale.y(0) + 4, "0%", "end"),
    label(x0, CHART.height - 4, "0 s", "start"),
    label(x1, CHART.height - 4, `${duration.toFixed(1)} s`, "end"),
  ];
}

// One circle per sampled frame (the per-frame probability) over the smoothed line.
function timelineChart(track, duration, threshold, onPick) {
  const scale = scales(duration);
  const smoothed = track.timeline
    .map((point) => `${scale.x(point.time_seconds).toFixed(1)},${scale.y(point.smoothed).toFixed(1)}`)
    .join(" ");
  const dots = track.timeline.map((point) => {
    const dot = svg("circle", {
      cx: scale.x(point.time_seconds), cy: scale.y(point.fake_probability), r: 5,
      class: point.fake_probability >= threshold ? "point fake" : "point",
      "data-frame": point.frame,
    }, [svg("title", {}, [
      `frame ${point.frame} at ${point.time_seconds.toFixed(2)} s: ${percent(point.fake_probability)}`,
    ])]);
    dot.addEventListener("click", () => onPick(track, point));
    return dot;
  });
  return svg("svg", {
    class: "timeline", "data-track": track.id,
    width: CHART.width, height: CHART.height, viewBox: `0 0 ${CHART.width} ${CHART.height}`,
  }, [
    ...axes(scale, duration, threshold),
    svg("polyline", { points: smoothed, class: "smoothed" }),
    ...dots,
  ]);
}

function thumbnail(artifacts, name, caption) {
  return element("img", { src: artifacts[name].url, alt: caption, className: "thumb" });
}

function trackRow(track, job, onPick) {
  const artifacts = job.result.artifacts;
  const threshold = job.result.video.verdict_threshold;
  const seconds = `${track.first_seconds.toFixed(1)}-${track.last_seconds.toFixed(1)} s`;
  const cell = (children) => element("td", {}, children);
  return element("tr", { className: `track ${track.verdict}` }, [
    cell([`#${track.id}`]),
    cell([`${track.frames_seen}`, element("br"), element("small", { textContent: seconds })]),
    cell([
      element("strong", { textContent: track.verdict }),
      element("br"),
      element("small", { textContent: percent(track.fake_probability) }),
    ]),
    cell([thumbnail(artifacts, track.artifacts.crop, `track ${track.id} best face`)]),
    cell([thumbnail(artifacts, track.artifacts.source, `track ${track.id} recovered source`)]),
    cell([thumbnail(artifacts, track.artifacts.target, `track ${track.id} recovered target`)]),
    cell([timelineChart(track, job.input.video.duration_seconds, threshold, onPick)]),
  ]);
}

function videoSummary(job) {
  const result = job.result;
  const link = (id, name, text) => element("a", {
    className: "button", id, href: result.artifacts[name].url, download: `dfrec-${job.id}-${name}`,
    textContent: text,
  });
  return [
    element("span", { className: "probability", textContent: `Fake probability ${percent(result.fake_probability)}` }),
    element("span", { textContent: `${result.tracks.length} track(s), ${result.video.frames_sampled} frames sampled at ${result.video.sample_fps} fps` }),
    element("span", { textContent: `model ${result.model.name} v${result.model.version} (${result.model.variant})` }),
    element("code", { textContent: `input sha256 ${job.input.sha256}` }),
    link("download-preview", "preview", "Annotated preview (MP4)"),
    element("a", {
      className: "button", id: "download-evidence", href: job.links.evidence,
      download: `dfrec-evidence-${job.id}.json`, textContent: "Download evidence",
    }),
  ];
}

// Resolves on the video's next `name` event, rejects on its next error; either removes both.
function once(video, name) {
  const listening = new AbortController();
  return new Promise((resolve, reject) => {
    video.addEventListener(name, resolve, { signal: listening.signal });
    video.addEventListener("error", () => reject(new Error("the browser cannot decode this video")),
      { signal: listening.signal });
  }).finally(() => listening.abort());
}

// Seek the uploaded video to the point's frame (a quarter frame past its start, so rounding
// cannot land on the frame before) and draw it with every track's box at that frame.
async function drawFrame(video, job, point) {
  if (video.error) throw new Error("the browser cannot decode this video");
  if (video.readyState < HTMLMediaElement.HAVE_METADATA) await once(video, "loadedmetadata");
  const target = point.time_seconds + 0.25 / job.input.video.frame_rate;
  if (Math.abs(video.currentTime - target) > 1e-6) {
    const seeked = once(video, "seeked");
    video.currentTime = target;
    await seeked;
  }
  const canvas = $("frame");
  const scale = Math.min(1, FRAME_MAX_WIDTH / video.videoWidth);
  canvas.width = Math.round(video.videoWidth * scale);
  canvas.height = Math.round(video.videoHeight * scale);
  const context = canvas.getContext("2d");
  context.drawImage(video, 0, 0, canvas.width, canvas.height);
  context.lineWidth = 2;
  context.font = "13px system-ui, sans-serif";
  const threshold = job.result.video.verdict_threshold;
  for (const track of job.result.tracks) {
    const seen = track.timeline.find((candidate) => candidate.frame === point.frame);
    if (!seen) continue;
    const [left, top, right, bottom] = seen.box.map((value) => value * scale);
    const label = `#${track.id} ${percent(seen.fake_probability)}`;
    const labelTop = Math.max(0, top - 18);
    context.strokeStyle = seen.fake_probability >= threshold ? "#e74c3c" : "#2ecc71";
    context.strokeRect(left, top, right - left, bottom - top);
    context.fillStyle = context.strokeStyle;
    context.fillRect(left - 1, labelTop, context.measureText(label).width + 8, 18);
    context.fillStyle = "#000";
    context.fillText(label, left + 3, labelTop + 13);
  }
}

function frameViewer(job, video) {
  return async (track, point) => {
    document.querySelectorAll(".point.picked").forEach((dot) => dot.classList.remove("picked"));
    document.querySelector(`.timeline[data-track="${track.id}"] .point[data-frame="${point.frame}"]`)
      .classList.add("picked");
    const what = `Track #${track.id}, frame ${point.frame} at ${point.time_seconds.toFixed(2)} s: `
      + `fake probability ${percent(point.fake_probability)}, smoothed ${percent(point.smoothed)}`;
    $("frame-view").hidden = false;
    try {
      await drawFrame(video, job, point);
      $("frame").hidden = false;
      $("frame-fallback").hidden = true;
      $("frame-caption").textContent = what;
      document.body.dataset.frame = `${track.id}:${point.frame}`;
    } catch (error) {
      // No decodable frame here: the nearest picture the result holds is the track's best face.
      $("frame").hidden = true;
      $("frame-fallback").src = job.result.artifacts[track.artifacts.crop].url;
      $("frame-fallback").hidden = false;
      $("frame-caption").textContent = `${what}. ${error.message}: shown instead is the track's`
        + ` best face (frame ${track.best_frame}).`;
      document.body.dataset.frame = `${track.id}:${track.best_frame}`;
    }
  };
}

function progressText(job) {
  return job.progress ? `, frames ${job.progress.frames_done} / ${job.progress.frames_total}` : "";
}

function showVideo(job, file) {
  const video = $("video");
  video.src = URL.createObjectURL(file);
  const onPick = frameViewer(job, video);
  $("video-summary").replaceChildren(...videoSummary(job));
  $("tracks").tBodies[0].replaceChildren(...job.result.tracks.map((track) => trackRow(track, job, onPick)));
  $("frame-view").hidden = true;
  $("video-result").hidden = false;
}
