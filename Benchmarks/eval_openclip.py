"""The open_clip side of `alip bench eval`: the same three phases over the same manifest, the way an
open_clip user evaluates a model on CPU.

  1. images: a torch DataLoader (--workers processes) reading the manifest's JPEGs with PIL and
     open_clip's evaluation transform (resize + center crop + normalise), model.encode_image in batches
     of --batch under torch.no_grad(), features L2-normalised;
  2. raw texts: open_clip's tokenizer (context 32), model.encode_text in batches, L2-normalised;
  3. retrieval: one [images x texts] similarity matmul; the rank of each image's own text (and each
     text's own image) is the count of strictly larger scores; Recall@1/5/10 both ways.

The model is the tiny benchmark model of ../shared/bench/alip_step.py (random weights: speed does not
depend on them). open_clip's tokenizer has 49,408 ids and the model 4,096, so ids are folded into the
model's vocabulary after tokenising (the cost of tokenising is kept; the recall numbers are meaningless).

Usage: python3 eval_openclip.py MANIFEST [--batch 256] [--workers 2] [--threads 2] [--repeats 3]
Prints one JSON line with the medians (seconds) of each phase, images/s and peak RSS.
"""
import argparse, csv, json, os, resource, statistics, sys, time

import torch
import torch.nn.functional as F
import open_clip
from PIL import Image

sys.path.insert(0, os.environ.get("ALIP_BENCH_DIR", os.path.join(os.path.dirname(__file__), "../../shared/bench")))
from alip_step import TINY  # noqa: E402  (the reference model's configuration, one source of truth)
from open_clip.model import CLIP  # noqa: E402


class Manifest(torch.utils.data.Dataset):
    def __init__(self, path, transform):
        self.folder = os.path.dirname(os.path.abspath(path))
        with open(path, newline="") as f:
            self.rows = list(csv.DictReader(f, delimiter="\t"))
        self.transform = transform

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        image = Image.open(os.path.join(self.folder, self.rows[i]["image"])).convert("RGB")
        return self.transform(image)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("manifest")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = CLIP(embed_dim=TINY["embed_dim"], vision_cfg=TINY["vision_cfg"], text_cfg=TINY["text_cfg"]).eval()
    size, vocab, ctx = TINY["vision_cfg"]["image_size"], TINY["text_cfg"]["vocab_size"], TINY["text_cfg"]["context_length"]
    transform = open_clip.image_transform(size, is_train=False)
    data = Manifest(a.manifest, transform)
    texts = [r["raw_text"] for r in data.rows]
    phases = {"encode_images_s": [], "encode_texts_s": [], "retrieval_s": []}
    recall = {}
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        loader = torch.utils.data.DataLoader(data, batch_size=a.batch, num_workers=a.workers)
        with torch.no_grad():
            images = torch.cat([F.normalize(model.encode_image(x), dim=-1) for x in loader])
        t1 = time.perf_counter()
        with torch.no_grad():
            parts = []
            for s in range(0, len(texts), a.batch):
                ids = open_clip.tokenize(texts[s:s + a.batch], context_length=ctx)
                ids = torch.where(ids >= vocab, ids % (vocab - 1) + 1, ids)
                parts.append(F.normalize(model.encode_text(ids), dim=-1))
            txt = torch.cat(parts)
        t2 = time.perf_counter()
        with torch.no_grad():
            sim = images @ txt.T
            pos = sim.diagonal()
            i2t = (sim > pos[:, None]).sum(1)
            t2i = (sim > pos[None, :]).sum(0)
            for name, ranks in (("i2t", i2t), ("t2i", t2i)):
                for k in (1, 5, 10):
                    recall[f"{name}.r{k}"] = (ranks < k).float().mean().item()
        t3 = time.perf_counter()
        phases["encode_images_s"].append(t1 - t0)
        phases["encode_texts_s"].append(t2 - t1)
        phases["retrieval_s"].append(t3 - t2)
    med = {k: statistics.median(v) for k, v in phases.items()}
    rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    print(json.dumps(dict(benchmark="eval", who="open_clip", rows=len(data), repeats=a.repeats, threads=a.threads,
                          workers=a.workers, **med, images_per_s=len(data) / med["encode_images_s"],
                          total_s=sum(med.values()), peak_rss_mib=rss, recall=recall,
                          torch=torch.__version__, open_clip=open_clip.__version__)))


if __name__ == "__main__":
    main()
