"""Zero-shot identity consistency on wild-dev: FaceNet(inner view) vs FaceNet(outer view)."""
import sys, numpy as np, torch, cv2
from pathlib import Path
from dfrec.metrics import roc_auc
def roc_auc_score(l, s): return roc_auc(np.asarray(s), np.asarray(l).astype(bool))
from dfrec.evaluation.wild_manifest import read_manifest, original_photos
from dfrec.evaluation.wild_faces import align_largest_face
from dfrec.data.align import crop_landmarks_68
from dfrec.data.masks import hull_points, fill_hull, resize_region
from dfrec.data.splits import folder_split
from dfrec.evaluation.samples import SPLIT_SEED, TEST_FRACTION
from dfrec.imageio import open_rgb
from dfrec.pretrained.facenet import load_facenet
S = int(sys.argv[1]) if len(sys.argv) > 1 else 160
wild = Path("../shared/data/wild-dev"); data = Path("../shared/data/celeba-id")
rows = read_manifest(wild); origs = original_photos(rows)
paths = [r.path for r in rows] + origs
groups = [r.label for r in rows] + ["original"] * len(origs)
tools = [r.tool for r in rows] + [""] * len(origs)
test = sorted(folder_split(data, TEST_FRACTION, SPLIT_SEED).test)
for person in test[:100]:
    files = sorted((data / person).glob("*.jpg"))[:2]
    paths += files; groups += ["celeba"] * len(files); tools += [""] * len(files)
crops, keep = [], []
for i, p in enumerate(paths):
    c, _ = align_largest_face(np.asarray(open_rgb(p)), S)
    if c is not None: crops.append(c); keep.append(i)
groups = np.array(groups)[keep]; tools = np.array(tools)[keep]
x = torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2).float() / 255
lm = crop_landmarks_68(x.numpy())
np.savez("/tmp/ict/wild_%d.npz" % S, x=x.numpy(), lm=lm, groups=groups, tools=tools)
net = load_facenet().eval()
def emb(v):
    with torch.no_grad():
        return torch.cat([net(c).embedding for c in v.split(32)])
res = {}
for variant in ("face", "inner"):
    for grow in (0, S // 16):
        m = torch.from_numpy(np.stack([resize_region(fill_hull(hull_points(l, variant), S), grow) for l in lm]))[:, None]
        inner = x * m + 0.5 * (1 - m); outer = x * (1 - m) + 0.5 * m
        ei, eo, ef = emb(inner), emb(outer), emb(x)
        for name, a, b in (("in-out", ei, eo), ("full-out", ef, eo), ("full-in", ef, ei)):
            s = 1 - (a * b).sum(1).numpy()
            fake = groups == "fake"
            for neg in (("real", "original"), ("real", "original", "celeba")):
                n = np.isin(groups, neg)
                auc = roc_auc_score(np.r_[np.ones(fake.sum()), np.zeros(n.sum())], np.r_[s[fake], s[n]])
                print(f"{variant:6s} grow={grow:2d} {name:9s} negs={'+'.join(neg):24s} AUC {auc:.3f}", flush=True)
            if name == "in-out":
                per = {t: roc_auc_score(np.r_[np.ones((tools == t).sum()), np.zeros(np.isin(groups, ('real','original')).sum())], np.r_[s[tools == t], s[np.isin(groups, ('real','original'))]]) for t in np.unique(tools[fake])}
                print("   per tool:", {k: round(v, 3) for k, v in per.items()})
