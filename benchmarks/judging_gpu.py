"""Local logprob judging on one GPU: a 7B-shaped judge over 200 answers x 8 rating slots.

The judge is a random-weight model of MistralConfig's default shape (as in generation_gpu.py)
loaded through the hf backend in bf16. Each of the 200 bundled questions gets an answer of
realistic length; the bundled rubric renders the judge prompts, and the judge scores every
rating slot (overall + 7 metrics) over the scale 1-10:

- `score_choices_batch` over all 200 (the shared system + rubric prefix computed once, each
  answer's prefix + choice rows scored as one token tree, many answers per forward pass);
- `score_choices` one answer at a time (the path before), on the first few answers, and how far
  the two agree;
- the memory of an answerer and a judge with the same weights: one load, shared.

    python benchmarks/judging_gpu.py --tokenizer DIR [--tiny --device cpu --answers 6]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generation_gpu import build_model  # noqa: E402
from generation_gpu_hf import sync  # noqa: E402


def judge_conversations(n: int):
    """Judge prompts for n answers to the bundled questions, with answers of a realistic length."""
    from mentalbench.inputs.questions import load_questions
    from mentalbench.inputs.resources import question_file, rubric_dir
    from mentalbench.inputs.rubric import load_rubric

    rubric = load_rubric(rubric_dir("mentalgpt"))
    questions = load_questions(question_file("mentalbench-200.jsonl")).questions
    convs = []
    for i in range(n):
        q = questions[i % len(questions)]
        answer = (f"Thank you for telling me this ({i}). What you describe sounds heavy, and "
                  "it makes sense that you feel this way. " + "One small step that often helps "
                  "is to name the feeling, then pick one thing you can do today. " * (3 + i % 4))
        convs.append(rubric.messages(q.text, answer))
    return rubric, convs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokenizer", type=Path, required=True)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--tiny", action="store_true")
    ap.add_argument("--answers", type=int, default=200)
    ap.add_argument("--single", type=int, default=8, help="answers scored one at a time")
    ap.add_argument("--out", type=Path, default=Path("judging-gpu.json"))
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    from mentalbench.backends.hf import engine as hf_engine
    from mentalbench.backends.hf.choices import common_prefix
    from mentalbench.backends.hf.model import HFModel, HFOptions

    on_gpu = args.device.startswith("cuda")
    shm = Path("/dev/shm")
    work = Path(tempfile.mkdtemp(dir=shm if shm.is_dir() and shutil.disk_usage(shm).free > 40e9
                                 else None))
    try:
        folder = work / "judge-7b-shape"
        build_model(folder, args.tokenizer, args.tiny, args.device)

        def model(**opts):
            o = HFOptions(dtype="bfloat16", device=args.device, **opts)
            return HFModel(f"hf:{folder}", o, target=str(folder))

        answerer, judge = model(temperature=0.7, max_new_tokens=512), model(temperature=0)
        answerer.loaded()
        one = torch.cuda.memory_allocated() if on_gpu else 0
        judge.loaded()
        both = torch.cuda.memory_allocated() if on_gpu else 0
        sharing = {"same_object": answerer.loaded() is judge.loaded(),
                   "loads_held": hf_engine.shared_count(),
                   "gib_after_answerer": round(one / 2**30, 2),
                   "gib_after_judge_too": round(both / 2**30, 2)}
        print("weights sharing:", sharing)

        rubric, convs = judge_conversations(args.answers)
        prefixes, labels = [rubric.slot_prefix(m) for m in rubric.rated], rubric.choice_labels()
        loaded = judge.loaded()
        ids = [loaded.tokenizer(hf_engine.render(loaded, c), add_special_tokens=False).input_ids
               for c in convs]
        shared = common_prefix(ids)
        print(f"{len(convs)} judge prompts, {min(map(len, ids))}-{max(map(len, ids))} tokens, "
              f"shared prefix {shared} tokens; {len(prefixes)} slots x {len(labels)} ratings")
        judge.score_choices_batch(convs[:4], prefixes, labels)  # warm-up
        sync(args.device)
        start = time.perf_counter()
        batch = judge.score_choices_batch(convs, prefixes, labels)
        sync(args.device)
        batch_s = time.perf_counter() - start
        k = min(args.single, len(convs))
        judge.score_choices(convs[0], prefixes, labels)  # warm-up
        sync(args.device)
        start = time.perf_counter()
        single = [judge.score_choices(c, prefixes, labels) for c in convs[:k]]
        sync(args.device)
        single_s = time.perf_counter() - start
        diff = max(abs(batch[i][p][c] - single[i][p][c])
                   for i in range(k) for p in range(len(prefixes)) for c in labels)
        result = {
            "machine": torch.cuda.get_device_name() if on_gpu else "cpu",
            "torch": torch.__version__, "command": " ".join(sys.argv),
            "judge": "MistralConfig defaults (7B shape), vocab 49152, random weights, bf16",
            "answers": len(convs), "slots": len(prefixes), "ratings": len(labels),
            "prompt_tokens": [min(map(len, ids)), max(map(len, ids))],
            "shared_prefix_tokens": shared,
            "batch": {"seconds": round(batch_s, 2),
                      "judgments_per_s": round(len(convs) / batch_s, 1),
                      "slot_ratings_per_s": round(len(convs) * len(prefixes) / batch_s, 1)},
            "one_at_a_time": {"answers": k, "seconds": round(single_s, 2),
                              "judgments_per_s": round(k / single_s, 2)},
            "max_abs_probability_difference": round(diff, 5),
            "weights_sharing": sharing,
            "peak_gib": round(torch.cuda.max_memory_allocated() / 2**30, 1) if on_gpu else None}
        answerer.close()
        judge.close()
        result["weights_sharing"]["loads_held_after_close"] = hf_engine.shared_count()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
