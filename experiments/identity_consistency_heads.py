"""Trained identity consistency on frozen FaceNet views: features, classifier, wild-dev AUC."""
import sys, numpy as np, torch
from pathlib import Path
from tqdm import tqdm
from dfrec.metrics import roc_auc
from dfrec.evaluation.wild_manifest import read_manifest, original_photos
from dfrec.evaluation.wild_faces import align_largest_face, celeba_test_photos
from dfrec.data.align import crop_landmarks_68
from dfrec.data.masks import hull_points, fill_hull, resize_region
from dfrec.data.splits import folder_split
from dfrec.data.faces import AlignedFaces
from dfrec.data.prepare import prepare_cache
from dfrec.data.synth import Face, make_swap, to_float
from dfrec.evaluation.samples import SPLIT_SEED, TEST_FRACTION
from dfrec.imageio import open_rgb
from dfrec.pretrained.facenet import load_facenet
torch.set_num_threads(2)
S = 128; N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
data = Path("../shared/data/celeba-id"); wild = Path("../shared/data/wild-dev")
net = load_facenet().eval()

def views(x, lm):
    """x (B,3,S,S) float, lm (B,68,2) -> inner, outer_face, outer_inner."""
    def region(variant, grow):
        return torch.from_numpy(np.stack([resize_region(fill_hull(hull_points(l, variant), S), grow) for l in lm]))[:, None]
    inner = region("inner", -2); face = region("face", 8); innerg = region("inner", 8)
    grey = 0.5
    return x * inner + grey * (1 - inner), x * (1 - face) + grey * face, x * (1 - innerg) + grey * innerg

def embed(x, lm):
    out = []
    with torch.no_grad():
        for i in range(0, len(x), 64):
            out.append(torch.stack([net(v).embedding for v in views(x[i:i + 64], lm[i:i + 64])], 1))
    return torch.cat(out).numpy()  # (B, 3, 512)

cache = Path("/tmp/ict/train_%d.npz" % N)
if not cache.exists():
    faces = AlignedFaces.load(prepare_cache(data, S))
    split = folder_split(data, TEST_FRACTION, SPLIT_SEED)
    rows = faces.indices_of(list(split.train))
    rng = np.random.default_rng(0)
    xs, lms, ys, people = [], [], [], []
    for k in tqdm(range(2 * N), desc="forgeries"):
        t = rows[rng.integers(len(rows))]
        target = Face(faces.crops[t], faces.landmarks_68[t])
        if k % 2:
            while True:
                s = rows[rng.integers(len(rows))]
                if faces.identities[s] != faces.identities[t]: break
            f = make_swap(Face(faces.crops[s], faces.landmarks_68[s]), target, rng).fake
        else:
            f = to_float(target.crop).transpose(2, 0, 1)
        xs.append(f); lms.append(target.landmarks_68); ys.append(k % 2); people.append(faces.identities[t])
    x = torch.from_numpy(np.stack(xs)).float(); lm = np.stack(lms)
    e = np.concatenate([embed(x[i:i + 256], lm[i:i + 256]) for i in tqdm(range(0, len(x), 256), desc="embed")])
    np.savez(cache, e=e, y=np.array(ys), people=np.array(people))
tr = np.load(cache)
wcache = Path("/tmp/ict/wild_emb.npz")
if not wcache.exists():
    rws = read_manifest(wild); origs = original_photos(rws)
    paths = [r.path for r in rws] + origs
    groups = [r.label for r in rws] + ["original"] * len(origs); tools = [r.tool for r in rws] + [""] * len(origs)
    crops, keep = [], []
    for i, p in enumerate(tqdm(paths, desc="wild")):
        c, _ = align_largest_face(np.asarray(open_rgb(p)), S)
        if c is not None: crops.append(c); keep.append(i)
    cel, _ = celeba_test_photos(data, S, 256)
    crops += list(cel); groups = list(np.array(groups)[keep]) + ["celeba"] * len(cel); tools = list(np.array(tools)[keep]) + [""] * len(cel)
    x = torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2).float() / 255
    lm = crop_landmarks_68(x.numpy())
    np.savez(wcache, e=embed(x, lm), groups=np.array(groups), tools=np.array(tools))
wd = np.load(wcache)

def feats(e, outer):
    a, b = torch.from_numpy(e[:, 0]), torch.from_numpy(e[:, outer])
    return torch.cat([a * b, (a - b).abs()], 1).float()

people = tr["people"]; uniq = np.unique(people); rng = np.random.default_rng(1)
val_people = set(rng.choice(uniq, len(uniq) // 5, replace=False))
val = np.array([p in val_people for p in people]); y = torch.from_numpy(tr["y"]).float()
for outer, name in ((1, "outer=outside face hull"), (2, "outer=outside inner hull")):
    X = feats(tr["e"], outer); W = feats(wd["e"], outer)
    zero = 1 - (torch.from_numpy(tr["e"][:, 0]) * torch.from_numpy(tr["e"][:, outer])).sum(1)
    print(name, "zero-shot synthetic AUC", round(roc_auc(zero[val].numpy(), tr["y"][val].astype(bool)), 3))
    for hidden in (0, 128):
        torch.manual_seed(0)
        model = torch.nn.Linear(X.shape[1], 1) if hidden == 0 else torch.nn.Sequential(torch.nn.Linear(X.shape[1], hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1))
        opt = torch.optim.AdamW(model.parameters(), 1e-3, weight_decay=1e-2)
        Xt, yt = X[~val], y[~val]
        for step in range(3000):
            i = torch.randint(len(Xt), (256,))
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(Xt[i]).squeeze(1), yt[i])
            opt.zero_grad(); loss.backward(); opt.step()
        with torch.no_grad():
            sv = model(X[val]).squeeze(1).numpy(); sw = model(W).squeeze(1).numpy()
        g, t = wd["groups"], wd["tools"]; fake = g == "fake"
        line = f"  hidden={hidden:3d} synthetic val AUC {roc_auc(sv, tr['y'][val].astype(bool)):.3f}"
        for negs in (("real", "original"), ("real", "original", "celeba")):
            n = np.isin(g, negs)
            line += f" | wild AUC vs {'+'.join(negs)} {roc_auc(np.r_[sw[fake], sw[n]], np.r_[np.ones(fake.sum()), np.zeros(n.sum())].astype(bool)):.3f}"
        print(line)
        n = np.isin(g, ("real", "original"))
        print("   per tool", {tool: round(roc_auc(np.r_[sw[t == tool], sw[n]], np.r_[np.ones((t == tool).sum()), np.zeros(n.sum())].astype(bool)), 3) for tool in np.unique(t[fake])})
