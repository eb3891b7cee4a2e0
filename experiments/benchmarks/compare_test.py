#!/usr/bin/python3
"""compare.py's parsing and table, on hand-made outputs of both sides (no
benchmark runs, no timing)."""
import importlib.util
import json
import os
import sys
import unittest

_here = os.path.dirname(os.path.abspath(__file__))
_path = os.path.join(os.environ.get("TEST_SRCDIR", ""), "siamese", "experiments", "benchmarks",
                     "compare.py")
if not os.path.exists(_path):
    _path = os.path.join(_here, "compare.py")
_spec = importlib.util.spec_from_file_location("compare", _path)
compare = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compare)


def gb_run(name, rep, run_type="iteration", **counters):
    d = {"name": name + ("" if run_type == "iteration" else "_median"), "run_name": name,
         "run_type": run_type, "repetition_index": rep, "iterations": 10}
    d.update(counters)
    return d


OURS = {
    "context": {"threads": "2", "precision": "float32"},
    "benchmarks": [
        gb_run("BM_MatMul/2048/real_time", 0, **{"GFLOP/s": 300e9}),
        gb_run("BM_MatMul/2048/real_time", 1, **{"GFLOP/s": 340e9}),
        gb_run("BM_MatMul/2048/real_time", 0, "aggregate", **{"GFLOP/s": 1e9}),
        gb_run("BM_CnnTripletTrainStep/batch:128/real_time", 0, items_per_second=8000.0),
        gb_run("BM_CnnTripletTrainStep/batch:128/real_time", 1, items_per_second=8400.0),
        gb_run("BM_CnnTripletTrainStep/batch:128/real_time", 0, "aggregate",
               items_per_second=1.0),
        gb_run("BM_CnnTripletTrainStep/batch:64/real_time", 0, items_per_second=6000.0),
        gb_run("BM_CnnBatchHardTrainStep/batch:256/real_time", 0, items_per_second=7000.0),
        gb_run("BM_CnnInference/batch:256/real_time", 0, items_per_second=20000.0),
        gb_run("BM_TransformerContrastiveTrainStep/batch:128/real_time", 0,
               items_per_second=900.0),
    ],
}

PEER_CNN = {"tag": "tuned_channels_last", "num_threads": 2, "channels_last": True,
            "env": {"LD_PRELOAD": "x.so"},
            "cnn": {"triplets_per_s": {"reps": [1000.0, 1100.0, 1200.0]},
                    "triplets_per_step": 128},
            "cnn_batchhard": {"images_per_s": {"reps": [3500.0]}, "images_per_step": 256},
            "cnn_infer": {"embeddings_per_s": {"reps": [10000.0]}, "batch": 256}}
PEER_TF = {"tag": "tuned", "num_threads": 2, "channels_last": False,
           "transformer": {"pairs_per_s": {"reps": [300.0]}, "pairs_per_step": 128},
           "matmul": {"n": 2048, "reps": [200.0, 160.0]}}
PEER_TEXT = "[cnn]\n  noise\n" + json.dumps(PEER_CNN) + "\n" + json.dumps(PEER_TF) + "\n"


class FlopsTest(unittest.TestCase):
    def test_cnn_flops_from_layer_shapes(self):
        # 2 x (32*784*9 + 64*196*288 + 3136*128 + 128*64) multiply-adds.
        self.assertEqual(compare.cnn_forward_flops(), 8_496_128)
        # Three times that, less conv1's input gradient (2 * 225,792).
        self.assertEqual(compare.cnn_train_flops(), 3 * 8_496_128 - 451_584)


class CpuTest(unittest.TestCase):
    def test_describe_cpu(self):
        lscpu = ("Architecture: x86_64\nModel name:      AMD EPYC\nCPU family:  26\n"
                 "Model:   2\nFlags:   fpu avx512f avx512_bf16 avx_vnni\n")
        self.assertEqual(compare.describe_cpu(lscpu),
                         "AMD EPYC (family 26, model 2, AVX512-BF16 yes, AMX-BF16 no)")


class ParseTest(unittest.TestCase):
    def test_ours_takes_repetitions_not_aggregates(self):
        rates, ctx = compare.parse_ours(OURS)
        self.assertEqual(rates[("matmul", 2048)], [300.0, 340.0])
        self.assertEqual(rates[("cnn", 128)], [8000.0, 8400.0])
        self.assertEqual(rates[("cnn", 64)], [6000.0])
        self.assertEqual(rates[("cnn_batchhard", 256)], [7000.0])
        self.assertEqual(rates[("cnn_infer", 256)], [20000.0])
        self.assertEqual(rates[("transformer", 128)], [900.0])
        self.assertEqual(ctx["precision"], "float32")

    def test_ours_error_is_raised(self):
        doc = {"benchmarks": [dict(gb_run("BM_CnnInference/batch:8/real_time", 0),
                                   error_occurred=True, error_message="boom")]}
        with self.assertRaisesRegex(RuntimeError, "boom"):
            compare.parse_ours(doc)

    def test_peer_in_our_units(self):
        rates, tops = compare.parse_peer(PEER_TEXT)
        self.assertEqual(rates[("cnn", 128)], [3000.0, 3300.0, 3600.0])  # triplets x 3
        self.assertEqual(rates[("transformer", 128)], [600.0])  # pairs x 2
        self.assertEqual(rates[("cnn_batchhard", 256)], [3500.0])
        self.assertEqual(rates[("cnn_infer", 256)], [10000.0])
        self.assertEqual(rates[("matmul", 2048)], [200.0, 160.0])
        self.assertTrue(tops["cnn"]["channels_last"])
        self.assertFalse(tops["matmul"]["channels_last"])

    def test_filter_selects_the_workloads(self):
        import re
        f = re.compile(compare.ours_filter())
        for name in ("BM_CnnTripletTrainStep/batch:128/real_time",
                     "BM_CnnBatchHardTrainStep/batch:256/real_time",
                     "BM_CnnInference/batch:256/real_time",
                     "BM_TransformerContrastiveTrainStep/batch:128/real_time",
                     "BM_MatMul/2048/real_time"):
            self.assertTrue(f.search(name), name)
        for name in ("BM_MatMul/384/real_time", "BM_Conv2dForward/real_time"):
            self.assertFalse(f.search(name), name)


class TableTest(unittest.TestCase):
    def setUp(self):
        ours, _ = compare.parse_ours(OURS)
        peer, _ = compare.parse_peer(PEER_TEXT)
        # Two rounds: the second one faster on both sides.
        ours2 = {k: [v * 1.1 for v in vs] for k, vs in ours.items()}
        peer2 = {k: [v * 1.1 for v in vs] for k, vs in peer.items()}
        self.lines = compare.build_table([ours, ours2], [peer, peer2],
                                         memory=(200 * 1024, 400 * 1024, "cnn step"))

    def row(self, start):
        rows = [l for l in self.lines if l.startswith("| " + start)]
        self.assertEqual(len(rows), 1, (start, self.lines))
        return [c.strip() for c in rows[0].strip("|").split("|")]

    def test_header(self):
        self.assertEqual(self.lines[0], "| workload | ours | peer | ratio (ours/peer) |")

    def test_rows_in_workload_order(self):
        labels = [l.split("|")[1].strip() for l in self.lines[2:]]
        self.assertTrue(labels[0].startswith("cnn triplet step, batch 64 triplets = 192 images"))
        self.assertTrue(labels[1].startswith("cnn triplet step, batch 128 triplets = 384 images"))
        self.assertTrue(labels[2].startswith("cnn batch-hard step, batch 256 images,"))
        self.assertTrue(labels[3].startswith("cnn inference, batch 256 images,"))
        self.assertTrue(labels[4].startswith("transformer contrastive step, batch 128 pairs"))
        self.assertTrue(labels[5].startswith("matmul 2048³"))

    def test_round_medians_and_pooled_ratio(self):
        # Round medians 8,200 and 9,020; pooled: 8000 8400 8800 9240 -> 8,600.
        # Peer: 3300 / 3630; pooled 3000 3300 3600 3300 3630 3960 -> 3,450.
        r = self.row("cnn triplet step, batch 128 triplets")
        self.assertEqual(r[1:], ["8,200 / 9,020", "3,300 / 3,630", f"{8600 / 3450:.2f}x"])

    def test_batch_without_peer_figure(self):
        r = self.row("cnn triplet step, batch 64 triplets")
        self.assertEqual(r[2:], ["—", "—"])

    def test_matmul_and_efficiency(self):
        # Ours: 300 340 | 330 374, pooled 335; peer 200 160 | 220 176, pooled 188.
        r = self.row("matmul")
        self.assertEqual(r[1:], ["320 / 352", "180 / 198", f"{335 / 188:.2f}x"])
        flops = compare.cnn_train_flops()
        r = self.row("cnn triplet step, batch 128, GFLOP/s (")
        self.assertEqual(r[1], compare.fmt(8600 * flops / 1e9))
        self.assertEqual(r[2], compare.fmt(3450 * flops / 1e9))
        r = self.row("cnn triplet step, batch 128, GFLOP/s /")
        self.assertEqual(r[1:], [compare.fmt(8600 * flops / 1e9 / 335),
                                 compare.fmt(3450 * flops / 1e9 / 188), "—"])
        # No peer figure at batch 64, so no fraction either.
        r = self.row("cnn triplet step, batch 64, GFLOP/s /")
        self.assertEqual(r[2], "—")

    def test_memory(self):
        self.assertEqual(self.row("peak resident memory")[1:], ["200", "400", "0.50x"])


class Bf16TableTest(unittest.TestCase):
    def test_factors_and_the_peers_faster_precision(self):
        ours32, _ = compare.parse_ours(OURS)
        peer32, _ = compare.parse_peer(PEER_TEXT)
        ours16 = {k: [v * 1.5 for v in vs] for k, vs in ours32.items()}
        # The peer's autocast: slower on the CNN step, faster on matmul.
        peer16 = {k: [v * (0.5 if k[0] == "cnn" else 2.0) for v in vs]
                  for k, vs in peer32.items()}
        lines = compare.build_bf16_table([ours32], [ours16], [peer32], [peer16])
        self.assertEqual(len(lines[0].split("|")), 9, lines[0])
        labels = [l.split("|")[1].strip() for l in lines[2:]]
        # Only the peer's batches (no batch 64 row), matmul last.
        self.assertEqual(len(labels), 5, labels)
        self.assertTrue(labels[0].startswith("cnn triplet step, batch 128 triplets"))
        self.assertTrue(labels[4].startswith("matmul 2048³"))
        cnn = [c.strip() for c in lines[2].strip("|").split("|")]
        # ours 8,200 -> 12,300 (1.50x); peer 3,300 float32, 1,650 bf16: the
        # faster is float32 -> 12,300 / 3,300.
        self.assertEqual(cnn[1:], ["8,200", "12,300", "1.50x", "3,300", "1,650",
                                   f"{12300 / 3300:.2f}x"])
        mm = [c.strip() for c in lines[6].strip("|").split("|")]
        # ours 320 -> 480; peer 180 -> 360 (bf16 faster): 480 / 360.
        self.assertEqual(mm[3], "1.50x")
        self.assertEqual(mm[6], f"{480 / 360:.2f}x")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]])
