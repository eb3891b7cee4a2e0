#!/usr/bin/env python3
"""Reference values from pytorch-metric-learning (PML) for the cross-check
tests of tests/pml_crosscheck_test.cc.

PML is not part of this repository and is never built into it: give this
script a checkout of its source (pure Python; it runs on Debian's
python3-torch with python3-scipy and python3-tqdm), and it writes the loss
values, gradients and mined tuples PML computes for fixed inputs, as JSON
matching tests/pml/pml_reference.proto:

    PYTHONPATH=<pml checkout>/src python3 tools/pml_reference/make_references.py \
        --out tests/pml/references.json

Every case names the plugin config (protobuf text) that must reproduce PML's
numbers. Computed in float64; the C++ side runs in float32. Distance cases
(DISTANCES) hold PML's distance matrix, paired distances and a gradient.
"""
import argparse
import json

import numpy as np
import torch

from pytorch_metric_learning import distances, losses, miners, reducers, regularizers
from pytorch_metric_learning.utils import loss_and_miner_utils as lmu


def inputs():
    """Two fixed batches: 8 embeddings of 4 classes, 9 of 3, in R^5."""
    rng = np.random.RandomState(2026)
    out = []
    for n, classes in ((8, [0, 0, 1, 1, 2, 2, 3, 3]), (9, [0, 1, 2, 0, 1, 2, 0, 1, 2])):
        e = rng.uniform(-1.0, 1.0, size=(n, 5))
        out.append((e, classes))
    return out


def lp(power=1):
    return distances.LpDistance(normalize_embeddings=False, p=2, power=power)


def cos():
    return distances.CosineSimilarity()


# PML's DotProductSimilarity and SNRDistance normalize the embeddings by
# default; ours use them as they are.
def dot():
    return distances.DotProductSimilarity(normalize_embeddings=False)


def snr():
    return distances.SNRDistance(normalize_embeddings=False)


# (our distance, PML distance factory): the matrix of each batch, PML's
# pairwise_distance of each row with the batch's rows reversed, and the
# gradient of sum(W * matrix) for fixed random W. PML's value is a
# similarity where it is inverted: compared with our Similarity(d).
DISTANCES = [
    ("euclidean", lambda: lp()),
    ("squared_euclidean", lambda: lp(power=2)),
    ("cosine", cos),
    ("dot_product", dot),
    ("snr", snr),
]


# (label, our loss config, our distance, PML loss factory)
LOSSES = [
    ("triplet_mean", 'name: "triplet" [siamese.triplet] { margin: 0.3 }', "euclidean",
     lambda: losses.TripletMarginLoss(margin=0.3, distance=lp(), reducer=reducers.MeanReducer())),
    ("triplet_mean_nonzero",
     'name: "triplet" [siamese.triplet] { margin: 0.3 reduction: "mean_nonzero" }', "euclidean",
     lambda: losses.TripletMarginLoss(margin=0.3, distance=lp())),
    ("triplet_squared",
     'name: "triplet" [siamese.triplet] { margin: 0.5 squared: true reduction: "sum" }',
     "euclidean",
     lambda: losses.TripletMarginLoss(margin=0.5, distance=lp(power=2),
                                      reducer=reducers.SumReducer())),
    ("contrastive_pml",
     'name: "contrastive" [siamese.contrastive] { pos_margin: 0.2 neg_margin: 1.5 squared: false '
     'reduction: "mean_nonzero_each" }', "euclidean",
     lambda: losses.ContrastiveLoss(pos_margin=0.2, neg_margin=1.5, distance=lp())),
    # loss.embedding_regularizer is PML's LpRegularizer at embedding_reg_weight.
    ("contrastive_l2_regularized",
     'name: "contrastive" [siamese.contrastive] { pos_margin: 0.2 neg_margin: 1.5 squared: false '
     'reduction: "mean_nonzero_each" } embedding_regularizer { weight: 0.3 p: 2 power: 2 }',
     "euclidean",
     lambda: losses.ContrastiveLoss(pos_margin=0.2, neg_margin=1.5, distance=lp(),
                                    embedding_regularizer=regularizers.LpRegularizer(p=2, power=2),
                                    embedding_reg_weight=0.3)),
    ("triplet_l1_regularized",
     'name: "triplet" [siamese.triplet] { margin: 0.3 } '
     'embedding_regularizer { weight: 0.1 p: 1 power: 1 }', "euclidean",
     lambda: losses.TripletMarginLoss(margin=0.3, distance=lp(), reducer=reducers.MeanReducer(),
                                      embedding_regularizer=regularizers.LpRegularizer(p=1),
                                      embedding_reg_weight=0.1)),
    ("multi_similarity", 'name: "multi_similarity"', "cosine",
     lambda: losses.MultiSimilarityLoss()),
    # PML's LpDistance base 0.5 is our similarity -d with base -0.5.
    ("multi_similarity_euclidean",
     'name: "multi_similarity" [siamese.multi_similarity] { alpha: 3 beta: 20 base: -0.5 }',
     "euclidean",
     lambda: losses.MultiSimilarityLoss(alpha=3, beta=20, base=0.5, distance=lp())),
    ("ntxent", 'name: "ntxent"', "cosine",
     lambda: losses.NTXentLoss(temperature=0.1)),
    ("ntxent_euclidean", 'name: "ntxent" [siamese.ntxent] { temperature: 0.5 }', "euclidean",
     lambda: losses.NTXentLoss(temperature=0.5, distance=lp())),
    ("supcon", 'name: "supcon"', "cosine", lambda: losses.SupConLoss(temperature=0.1)),
    ("supcon_euclidean", 'name: "supcon" [siamese.supcon] { temperature: 0.3 }', "euclidean",
     lambda: losses.SupConLoss(temperature=0.3, distance=lp())),
    # The paper's dot product of the embeddings as they are (PML's default
    # distance normalizes them first).
    ("npairs", 'name: "npairs" [siamese.npairs] { l2_reg: 0 }', "euclidean",
     lambda: losses.NPairsLoss(
         distance=distances.DotProductSimilarity(normalize_embeddings=False))),
    # PML's margin is in degrees.
    ("tuplet_margin", 'name: "tuplet_margin" [siamese.tuplet_margin] { scale: 16 }', "cosine",
     lambda: losses.TupletMarginLoss(margin=np.degrees(0.1), scale=16)),
    ("fast_ap", 'name: "fast_ap"', "euclidean",
     lambda: losses.FastAPLoss(num_bins=10, distance=distances.LpDistance(power=2))),
    ("fast_ap_coarse", 'name: "fast_ap" [siamese.fast_ap] { num_bins: 4 }', "euclidean",
     lambda: losses.FastAPLoss(num_bins=4, distance=distances.LpDistance(power=2))),
    ("circle", 'name: "circle"', "cosine", lambda: losses.CircleLoss()),
    ("circle_face", 'name: "circle" [siamese.circle] { m: 0.25 gamma: 16 }', "cosine",
     lambda: losses.CircleLoss(m=0.25, gamma=16)),
    ("lifted_structure", 'name: "lifted_structure"', "euclidean",
     lambda: losses.GeneralizedLiftedStructureLoss(neg_margin=1, pos_margin=0, distance=lp())),
    ("lifted_structure_margins",
     'name: "lifted_structure" [siamese.lifted_structure] { pos_margin: 0.3 neg_margin: 1.4 }',
     "euclidean",
     lambda: losses.GeneralizedLiftedStructureLoss(neg_margin=1.4, pos_margin=0.3,
                                                   distance=lp())),
    ("margin", 'name: "margin"', "euclidean", lambda: losses.MarginLoss(distance=lp())),
    ("margin_learned_beta",
     'name: "margin" [siamese.margin] { beta: 1.0 learn_beta: true nu: 0.1 }', "euclidean",
     lambda: losses.MarginLoss(beta=1.0, learn_beta=True, nu=0.1, distance=lp())),
    # Under dot_product (d = -s): a margin between two distances keeps its
    # value, a threshold on one distance changes sign (the plugin's header).
    ("triplet_dot_product", 'name: "triplet" [siamese.triplet] { margin: 0.3 reduction: "mean_nonzero" }',
     "dot_product", lambda: losses.TripletMarginLoss(margin=0.3, distance=dot())),
    ("contrastive_dot_product",
     'name: "contrastive" [siamese.contrastive] { pos_margin: -1 neg_margin: 0 squared: false '
     'reduction: "mean_nonzero_each" }', "dot_product",
     lambda: losses.ContrastiveLoss(pos_margin=1, neg_margin=0, distance=dot())),
    # Written in the similarity: its parameters keep their values.
    ("multi_similarity_dot_product",
     'name: "multi_similarity" [siamese.multi_similarity] { alpha: 2 beta: 10 base: 0.5 }',
     "dot_product",
     lambda: losses.MultiSimilarityLoss(alpha=2, beta=10, base=0.5, distance=dot())),
    # SNR is a distance (not inverted): margins carry over. It is
    # asymmetric: pairs count in both orders.
    ("triplet_snr", 'name: "triplet" [siamese.triplet] { margin: 0.3 }', "snr",
     lambda: losses.TripletMarginLoss(margin=0.3, distance=snr(),
                                      reducer=reducers.MeanReducer())),
    ("contrastive_snr",
     'name: "contrastive" [siamese.contrastive] { pos_margin: 0.5 neg_margin: 2 squared: false '
     'reduction: "mean_nonzero_each" }', "snr",
     lambda: losses.ContrastiveLoss(pos_margin=0.5, neg_margin=2, distance=snr())),
    ("ntxent_snr", 'name: "ntxent" [siamese.ntxent] { temperature: 0.5 }', "snr",
     lambda: losses.NTXentLoss(temperature=0.5, distance=snr())),
]

# Losses with trainable class weights: (label, our loss config, PML loss
# factory given (num_classes, dim), PML's weight parameter given the loss,
# whether it is [dim, classes] (transposed to our [classes, dim])). Each
# batch gets one class more than its labels use, so a class absent from the
# batch is covered.
PROXY_LOSSES = [
    ("proxy_anchor", 'name: "proxy_anchor"',
     lambda c, d: losses.ProxyAnchorLoss(c, d), lambda l: l.proxies, False),
    ("proxy_anchor_margin", 'name: "proxy_anchor" [siamese.proxy_anchor] { margin: 0.2 alpha: 16 }',
     lambda c, d: losses.ProxyAnchorLoss(c, d, margin=0.2, alpha=16), lambda l: l.proxies, False),
    # The paper normalizes embeddings too: PML's with a cosine similarity.
    ("normalized_softmax", 'name: "normalized_softmax"',
     lambda c, d: losses.NormalizedSoftmaxLoss(c, d, distance=distances.CosineSimilarity()),
     lambda l: l.W, True),
    ("cosface", 'name: "cosface"', lambda c, d: losses.CosFaceLoss(c, d), lambda l: l.W, True),
    ("cosface_small", 'name: "cosface" [siamese.cosface] { margin: 0.2 scale: 8 }',
     lambda c, d: losses.CosFaceLoss(c, d, margin=0.2, scale=8), lambda l: l.W, True),
    # PML's margin is in degrees.
    ("arcface", 'name: "arcface" [siamese.arcface] { scale: 8 }',
     lambda c, d: losses.ArcFaceLoss(c, d, margin=np.degrees(0.5), scale=8),
     lambda l: l.W, True),
    ("arcface_subcenter", 'name: "arcface" [siamese.arcface] { margin: 0.3 scale: 16 sub_centers: 3 }',
     lambda c, d: losses.SubCenterArcFaceLoss(num_classes=c, embedding_size=d,
                                              margin=np.degrees(0.3), scale=16, sub_centers=3),
     lambda l: l.W, True),
    ("proxy_nca_softmax", 'name: "proxy_nca" [siamese.proxy_nca] { exclude_positive: false }',
     lambda c, d: losses.ProxyNCALoss(c, d), lambda l: l.proxies, False),
    ("proxy_nca_softmax_scaled",
     'name: "proxy_nca" [siamese.proxy_nca] { scale: 9 exclude_positive: false }',
     lambda c, d: losses.ProxyNCALoss(c, d, softmax_scale=9), lambda l: l.proxies, False),
    # PML leaves out the paper's center regularizer: tau 0.
    ("soft_triple", 'name: "soft_triple" [siamese.soft_triple] { centers_per_class: 3 tau: 0 }',
     lambda c, d: losses.SoftTripleLoss(c, d, centers_per_class=3), lambda l: l.fc, True),
]

# (label, our miner config, our distance, PML miner factory)
MINERS = [
    ("batch_hard", 'name: "batch_hard"', "euclidean",
     lambda: miners.BatchHardMiner(distance=lp())),
    ("semi_hard_all", 'name: "semi_hard" [siamese.semi_hard] { margin: 0.4 all_semi_hard: true }',
     "euclidean",
     lambda: miners.TripletMarginMiner(margin=0.4, type_of_triplets="semihard", distance=lp())),
    ("hard_pairs",
     'name: "hard_pairs" [siamese.hard_pairs] { pos_margin: 0.8 neg_margin: 1.2 }', "euclidean",
     lambda: miners.PairMarginMiner(pos_margin=0.8, neg_margin=1.2, distance=lp())),
    ("multi_similarity", 'name: "multi_similarity"', "cosine",
     lambda: miners.MultiSimilarityMiner()),
    ("multi_similarity_euclidean",
     'name: "multi_similarity" [siamese.multi_similarity_miner] { epsilon: 0.3 }', "euclidean",
     lambda: miners.MultiSimilarityMiner(epsilon=0.3, distance=lp())),
] + [
    (f"triplet_margin_{t}",
     f'name: "triplet_margin" [siamese.triplet_margin] {{ margin: 0.3 type: "{t}" }}',
     "euclidean",
     (lambda t: lambda: miners.TripletMarginMiner(margin=0.3, type_of_triplets=t,
                                                  distance=lp()))(t))
    for t in ("all", "hard", "semihard", "easy")
] + [
    # Thresholds on one distance change sign under dot_product.
    ("hard_pairs_dot_product",
     'name: "hard_pairs" [siamese.hard_pairs] { pos_margin: -0.5 neg_margin: -0.2 }',
     "dot_product",
     lambda: miners.PairMarginMiner(pos_margin=0.5, neg_margin=0.2, distance=dot())),
    ("triplet_margin_semihard_dot_product",
     'name: "triplet_margin" [siamese.triplet_margin] { margin: 0.3 type: "semihard" }',
     "dot_product",
     lambda: miners.TripletMarginMiner(margin=0.3, type_of_triplets="semihard",
                                       distance=dot())),
    ("batch_hard_dot_product", 'name: "batch_hard"', "dot_product",
     lambda: miners.BatchHardMiner(distance=dot())),
    ("hard_pairs_snr",
     'name: "hard_pairs" [siamese.hard_pairs] { pos_margin: 1.5 neg_margin: 2.5 }', "snr",
     lambda: miners.PairMarginMiner(pos_margin=1.5, neg_margin=2.5, distance=snr())),
    ("triplet_margin_semihard_snr",
     'name: "triplet_margin" [siamese.triplet_margin] { margin: 0.3 type: "semihard" }', "snr",
     lambda: miners.TripletMarginMiner(margin=0.3, type_of_triplets="semihard",
                                       distance=snr())),
    ("batch_hard_snr", 'name: "batch_hard"', "snr",
     lambda: miners.BatchHardMiner(distance=snr())),
]



def batch_easy_hard(pos, neg, distance, pos_range=None, neg_range=None):
    """A BatchEasyHardMiner case: (label suffix, our config, PML factory).
    Ranges are ours, (low, high) on the distance; PML's cosine range is on
    the similarity 1 - d. Neither strategy "all": PML returns (a, p, a, n)
    with one anchor per row, which its triplet losses read as the triplets
    (a, p, n) (lmu.convert_to_triplets) and our miner returns as triplets."""
    fields = f'pos_strategy: "{pos}" neg_strategy: "{neg}"'
    kwargs = {}
    for name, r in (("allowed_pos_range", pos_range), ("allowed_neg_range", neg_range)):
        if r is None:
            continue
        low, high = r
        fields += f" {name} {{" + (f" low: {low}" if low != -np.inf else "") + (
            f" high: {high}" if high != np.inf else "") + " }"
        kwargs[name] = (1 - high, 1 - low) if distance == "cosine" else (low, high)
    config = f'name: "batch_easy_hard" [siamese.batch_easy_hard] {{ {fields} }}'

    def make():
        miner = miners.BatchEasyHardMiner(pos_strategy=pos, neg_strategy=neg,
                                          distance=cos() if distance == "cosine" else lp(),
                                          **kwargs)
        if "all" in (pos, neg):
            return miner
        return lambda e, y: lmu.convert_to_triplets(miner(e, y), y)
    return config, distance, make


BATCH_EASY_HARD = [
    ("default", "easy", "semihard", "euclidean"),
    ("default_cosine", "easy", "semihard", "cosine"),
    ("hard_hard", "hard", "hard", "euclidean"),
    ("easy_hard_cosine", "easy", "hard", "cosine"),
    ("easy_easy", "easy", "easy", "euclidean"),
    ("hard_easy_cosine", "hard", "easy", "cosine"),
    ("semihard_hard", "semihard", "hard", "euclidean"),
    ("semihard_easy_cosine", "semihard", "easy", "cosine"),
    ("hard_semihard_cosine", "hard", "semihard", "cosine"),
    ("all_hard", "all", "hard", "euclidean"),
    ("easy_all_cosine", "easy", "all", "cosine"),
    ("all_easy_cosine", "all", "easy", "cosine"),
    ("all_all", "all", "all", "euclidean"),
    ("ranges", "easy", "semihard", "euclidean", (1.2, 2.5), (1.4, np.inf)),
    ("ranges_hard", "hard", "hard", "euclidean", (-np.inf, 1.6), (0.9, 2.2)),
    ("ranges_cosine", "easy", "hard", "cosine", (0.3, 1.5), (0.6, 1.4)),
    ("ranges_semihard_cosine", "semihard", "easy", "cosine", (0.2, np.inf), (-np.inf, 1.3)),
]
MINERS += [
    (f"batch_easy_hard_{label}",) + batch_easy_hard(pos, neg, distance, *ranges)
    for label, pos, neg, distance, *ranges in BATCH_EASY_HARD
]

# (label, our miner config, PML miner factory): sampling weights only.
DISTANCE_WEIGHTED = [
    ("distance_weighted", 'name: "distance_weighted"',
     lambda: miners.DistanceWeightedMiner()),
    ("distance_weighted_cutoffs",
     'name: "distance_weighted" [siamese.distance_weighted] { cutoff: 0.8 nonzero_loss_cutoff: 1.8 }',
     lambda: miners.DistanceWeightedMiner(cutoff=0.8, nonzero_loss_cutoff=1.8)),
]


# Cross-batch memory: (loss label in LOSSES, miner label in MINERS or None).
# Each runs PML's CrossBatchMemory of a memory that wraps around (12 slots:
# the 8 + 9 examples of the two batches overflow it) and of one that does
# not (20), fed batch 0 and then batch 1, whose loss and gradient are the
# case's; keep_batch_loss false is what PML computes.
MEMORY = [
    ("contrastive_pml", None), ("triplet_mean", None), ("triplet_mean_nonzero", "batch_hard"),
    ("multi_similarity", None), ("multi_similarity", "multi_similarity"),
    ("multi_similarity_euclidean", "multi_similarity_euclidean"),
    ("ntxent", None), ("supcon", None), ("supcon_euclidean", None), ("tuplet_margin", None),
    ("circle", None), ("lifted_structure_margins", None), ("margin", None),
    ("contrastive_pml", "hard_pairs"), ("triplet_mean", "triplet_margin_hard"),
    ("triplet_mean", "semi_hard_all"),
]


def memory_cases():
    loss_by_label = {l[0]: l for l in LOSSES}
    miner_by_label = {m[0]: m for m in MINERS}
    (e0, y0), (e1, y1) = inputs()
    cases = []
    for loss_label, miner_label in MEMORY:
        _, config, distance, make = loss_by_label[loss_label]
        miner_config, make_miner = None, None
        if miner_label is not None:
            _, miner_config, miner_distance, make_miner = miner_by_label[miner_label]
            assert miner_distance == distance, (loss_label, miner_label)
        for size in (12, 20):
            xbm = losses.CrossBatchMemory(make(), embedding_size=e0.shape[1], memory_size=size,
                                          miner=make_miner() if make_miner else None)
            xbm(torch.tensor(e0), torch.tensor(y0))
            emb = torch.tensor(e1, requires_grad=True)
            loss = xbm(emb, torch.tensor(y1))
            loss.backward()
            case = {
                "label": f"memory/{loss_label}/{miner_label or 'all'}/{size}",
                "kind": "memory_loss", "config": config, "distance": distance,
                "embeddings": e1.flatten().tolist(), "dim": e1.shape[1], "labels": y1,
                "loss": float(loss.item()), "gradient": emb.grad.numpy().flatten().tolist(),
                "memory_size": size,
                "history": [{"embeddings": e0.flatten().tolist(), "labels": y0}],
            }
            if miner_config is not None:
                case["miner_config"] = miner_config
            cases.append(case)
    return cases


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    torch.set_default_dtype(torch.float64)
    cases = []
    for label, config, distance, make in LOSSES:
        for b, (e, y) in enumerate(inputs()):
            emb = torch.tensor(e, requires_grad=True)
            loss = make()(emb, torch.tensor(y))
            loss.backward()
            cases.append({
                "label": f"{label}/batch{b}", "kind": "loss", "config": config,
                "distance": distance, "embeddings": e.flatten().tolist(), "dim": e.shape[1],
                "labels": y, "loss": float(loss.item()),
                "gradient": emb.grad.numpy().flatten().tolist(),
            })
    for label, config, make, weights, transposed in PROXY_LOSSES:
        for b, (e, y) in enumerate(inputs()):
            torch.manual_seed(b)
            num_classes = max(y) + 2
            loss_fn = make(num_classes, e.shape[1])
            w = weights(loss_fn)
            start = w.detach().numpy().copy()
            emb = torch.tensor(e, requires_grad=True)
            loss = loss_fn(emb, torch.tensor(y))
            loss.backward()
            grad = w.grad.numpy()
            if transposed:
                start, grad = start.T, grad.T
            cases.append({
                "label": f"{label}/batch{b}", "kind": "loss", "config": config,
                "distance": "cosine", "embeddings": e.flatten().tolist(), "dim": e.shape[1],
                "labels": y, "loss": float(loss.item()),
                "gradient": emb.grad.numpy().flatten().tolist(),
                "num_classes": num_classes,
                "parameters": [{"name": "proxies", "shape": list(start.shape),
                                "values": np.ascontiguousarray(start).flatten().tolist(),
                                "gradient": np.ascontiguousarray(grad).flatten().tolist()}],
            })
    for label, config, distance, make in MINERS:
        for b, (e, y) in enumerate(inputs()):
            t = make()(torch.tensor(e), torch.tensor(y))
            case = {"label": f"{label}/batch{b}", "kind": "miner", "config": config,
                    "distance": distance, "embeddings": e.flatten().tolist(), "dim": e.shape[1],
                    "labels": y}
            # Flat index lists (protobuf's JSON has no nested arrays), sorted.
            if len(t) == 3:
                triplets = sorted(tuple(map(int, x)) for x in zip(*[v.tolist() for v in t]))
                case["triplets"] = [i for x in triplets for i in x]
            else:
                a1, p, a2, n = [v.tolist() for v in t]
                pos = sorted((int(i), int(j)) for i, j in zip(a1, p))
                neg = sorted((int(i), int(j)) for i, j in zip(a2, n))
                case["positive_pairs"] = [i for x in pos for i in x]
                case["negative_pairs"] = [i for x in neg for i in x]
            cases.append(case)
    # Distance-weighted sampling: the probabilities PML draws negatives
    # with, captured where it hands them to its sampler. Its distance
    # normalizes the embeddings, so the case holds normalized ones.
    from pytorch_metric_learning.miners import distance_weighted_miner as dwm
    captured = {}
    real = dwm.lmu.get_random_triplet_indices
    def capture(labels, ref_labels=None, t_per_anchor=None, weights=None):
        captured["weights"] = weights.detach().numpy().copy()
        return real(labels, ref_labels=ref_labels, t_per_anchor=t_per_anchor, weights=weights)
    dwm.lmu.get_random_triplet_indices = capture
    for label, config, make in DISTANCE_WEIGHTED:
        for b, (e, y) in enumerate(inputs()):
            e = e / np.linalg.norm(e, axis=1, keepdims=True)
            make()(torch.tensor(e), torch.tensor(y))
            cases.append({"label": f"{label}/batch{b}", "kind": "miner_weights",
                          "config": config, "distance": "euclidean",
                          "embeddings": e.flatten().tolist(), "dim": e.shape[1], "labels": y,
                          "weights": captured["weights"].flatten().tolist()})
    dwm.lmu.get_random_triplet_indices = real
    for name, make in DISTANCES:
        for b, (e, y) in enumerate(inputs()):
            distance = make()
            emb = torch.tensor(e, requires_grad=True)
            mat = distance(emb)
            w = np.random.RandomState(100 + b).uniform(-1.0, 1.0, size=mat.shape)
            (mat * torch.tensor(w)).sum().backward()
            with torch.no_grad():
                # pairwise_distance skips what forward adds: the
                # normalization and the power.
                t = distance.maybe_normalize(torch.tensor(e))
                paired = distance.pairwise_distance(t, t.flip(0)) ** distance.power
            cases.append({
                "label": f"distance_{name}/batch{b}", "kind": "distance", "config": name,
                "distance": name, "embeddings": e.flatten().tolist(), "dim": e.shape[1],
                "labels": y, "matrix": mat.detach().numpy().flatten().tolist(),
                "paired": paired.numpy().tolist(), "inverted": bool(distance.is_inverted),
                "weights": w.flatten().tolist(),
                "gradient": emb.grad.numpy().flatten().tolist(),
            })
    cases += memory_cases()
    with open(args.out, "w") as f:
        json.dump({"cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
