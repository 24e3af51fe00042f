"""CelebA test people's photos, and the same photos after one H.264 (libx264) encode."""
import csv, io, sys, numpy as np, av
from pathlib import Path
from PIL import Image
from dfrec.data.splits import folder_split
from dfrec.evaluation.samples import SPLIT_SEED, TEST_FRACTION
data = Path("../shared/data/celeba-id")
test = sorted(folder_split(data, TEST_FRACTION, SPLIT_SEED).test)
photos = [sorted((data / p).glob("*.jpg"))[0] for p in test][:120]
def h264(img, crf):
    w, h = img.size; img = img.crop((0, 0, w - w % 2, h - h % 2))
    buf = io.BytesIO(); out = av.open(buf, "w", format="mp4")
    s = out.add_stream("libx264", rate=25); s.width, s.height = img.size; s.pix_fmt = "yuv420p"
    s.options = {"crf": str(crf), "preset": "medium"}
    for _ in range(3):
        for pkt in s.encode(av.VideoFrame.from_image(img)): out.mux(pkt)
    for pkt in s.encode(): out.mux(pkt)
    out.close(); buf.seek(0)
    frames = [f.to_image() for f in av.open(buf).decode(video=0)]
    return frames[-1]
H = "file,label,tool,repo,path_in_repo,license,source_file,target_file,notes"
for crf in (None, 23, 32):
    d = Path(f"/tmp/h264/celeba-{'plain' if crf is None else f'crf{crf}'}"); d.mkdir(exist_ok=True)
    rows = []
    for i, p in enumerate(photos):
        img = Image.open(p).convert("RGB")
        if crf: img = h264(img, crf)
        img.save(d / f"p{i:03d}.png"); rows.append(f"p{i:03d}.png,real,,celeba,{p.name},,,,")
    (d / "manifest.csv").write_text(H + "\n" + "\n".join(rows) + "\n")
