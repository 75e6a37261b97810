"""Cross-validated experiments on the critical model (issue 12), training split only.

A Python replica of what the Swift trainer does for the `critical` task: the normalised character
1-3-grams of TextFeatures.swift plus the channel and request type (ModelInput.swift), kept when in >= 2
training texts; naive Bayes (smoothing 0.05), the SGD logistic regression of LogisticRegressionTrainer
(L2 3e-4, 25 epochs, step 0.5; the shuffle differs from Swift's, so figures move by about +-0.01 with the
seed), their blend (0.25 naive Bayes, each part over its own fitted temperature), the rules of
KeywordRules.swift (critical phrases with the hypothetical guard, defused phrases) and the operating point
of ClassifierTrainer.criticalOperatingPoint (highest threshold on a 0.005 grid keeping 98 % recall of the
critical examples, rules included). Folds as the trainer's (example i in fold i mod 5), or a seeded
permutation of them (--permutation) to see whether a gain survives another split.

It reproduces the shipped figure: 0.658 at threshold 0.07 (Swift: 0.655 at 0.08). The held-apart split is
never read. Results of the runs, and what each feature set is: docs/classification.md, "not kept".

    python3 -m venv /tmp/crit-venv && /tmp/crit-venv/bin/pip install numpy scipy
    /tmp/crit-venv/bin/python critical_cv.py baseline cross last+scope          # trainer's folds, 5 seeds
    /tmp/crit-venv/bin/python critical_cv.py --permutation 7 baseline cross     # another split
    /tmp/crit-venv/bin/python critical_cv.py --mined                            # rules mined per fold
    /tmp/crit-venv/bin/python critical_cv.py --knn --seeds 12,1,2 [--permutation 7]   # + the nearest training
        # texts' opinion (needs scikit-learn; KNN_BINARY=1: n-grams counted once, as the Swift service does)
"""
import argparse, time
import json, math, re, unicodedata, sys, os
import numpy as np
import scipy.sparse as sp

ROOT = os.environ.get("MINSHENG", os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../.."))
CORPUS = ROOT + "/Services/Classification/Corpus"
FOLDS = 5
FOLD_ORDER = None  # a permutation: example i is in fold FOLD_ORDER[i] % 5 (None: i % 5, as the trainer)
KNN_BINARY = os.environ.get("KNN_BINARY") == "1"

def load(split="train"):
    return [json.loads(l) for l in open(f"{CORPUS}/{split}.jsonl", encoding="utf-8") if l.strip()]

# ---------------------------------------------------------------- normalisation (TextFeatures.swift)
_DROP = {"Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Cc", "Cf", "Mn", "Me", "Zs"}
def normalise(text):
    out = []
    for ch in text:
        v = ord(ch)
        if v < 0x80:
            if 0x41 <= v <= 0x5A: v += 0x20
            if 0x61 <= v <= 0x7A or 0x30 <= v <= 0x39: out.append(chr(v))
            continue
        if 0xFF01 <= v <= 0xFF5E: v -= 0xFEE0
        if 0x41 <= v <= 0x5A: v += 0x20
        if v < 0x80:
            if 0x61 <= v <= 0x7A or 0x30 <= v <= 0x39: out.append(chr(v))
            continue
        if 0x4E00 <= v <= 0x9FFF:
            out.append(chr(v)); continue
        c = chr(v)
        if c.isspace(): continue
        if unicodedata.category(c) in _DROP: continue
        out.append(c)
    return "".join(out)

def ngrams(s, longest=3):
    keys = set()
    for i in range(len(s)):
        for n in range(1, longest + 1):
            if i + n <= len(s): keys.add(s[i:i + n])
    return keys

def base_features(e):
    keys = ngrams(normalise(e["text"]))
    keys.add("\x00source:" + e["channel"])
    if e.get("requestType"): keys.add("\x00requestType:" + e["requestType"])
    return keys

# ---------------------------------------------------------------- rules (KeywordRules.swift)
CRITICAL = ["着火", "起火", "失火", "爆炸", "持刀", "拿刀", "砍人", "捅人", "抢劫", "绑架", "落水", "掉河里", "掉进河",
    "跳楼", "跳河", "轻生", "自杀", "寻短见", "喝农药", "煤气泄漏", "燃气泄漏", "昏迷", "没有呼吸", "没呼吸", "触电",
    "孩子走失", "小孩不见", "孩子不见", "大量出血", "流了很多血", "有人晕倒", "人晕倒",
    "叫不醒", "叫不应", "没有意识", "不省人事", "脸色发紫", "嘴唇发紫", "憋紫", "呼吸困难", "喘不上气", "呼吸很弱",
    "口吐白沫", "割腕", "同归于尽", "血流不止", "满脸是血", "满地是血", "一动不动", "压在下面", "卷进", "有人被困",
    "没上来", "下去救", "不让挂电话",
    "一直没醒", "晕过去", "昏过去", "刺伤", "砍伤", "火光", "跳下去", "喝了农药", "被埋"]
DEFUSED = ["没有人受伤", "没人受伤", "无人受伤", "人没事", "没大碍", "无大碍", "意识清楚", "人是清醒", "人还清醒",
    "虚惊一场", "已经找到", "不用出警", "按错了", "已扑灭", "已经灭了",
    "擦伤", "擦破", "皮外伤", "轻伤", "没有生命危险", "无生命危险", "无人员伤亡", "没有人员伤亡", "未造成人员伤亡",
    "已经走了", "已离开", "已经离开",
    "已经送", "已送医", "送医院了", "没受伤", "没有受伤", "没有危险", "暂时安全", "安全了", "没什么事", "没事了",
    "不严重", "被偷"]
HYPOTHETICAL = ["万一", "担心", "怕", "要是", "如果", "以为", "喊", "防止", "预防", "避免", "说是",
    "上周", "上个月", "去年", "前几天"]

def _guarded(before, window=3):
    for h in HYPOTHETICAL:
        start = 0
        while True:
            j = before.find(h, start)
            if j < 0: break
            if len(before) - (j + len(h)) <= window: return True
            start = j + 1
    return False

def critical_rule(text):
    for p in CRITICAL:
        start = 0
        while True:
            i = text.find(p, start)
            if i < 0: break
            if not _guarded(text[max(0, i - 3 - 4):i]): return True
            start = i + 1
    return False

def defused(text):
    return any(p in text for p in DEFUSED)

# ---------------------------------------------------------------- vectorising
def vocabulary(feature_sets, min_docs=2):
    counts = {}
    for fs in feature_sets:
        for k in fs: counts[k] = counts.get(k, 0) + 1
    keys = sorted(k for k, c in counts.items() if c >= min_docs)
    return {k: i for i, k in enumerate(keys)}

def matrix(feature_sets, vocab):
    indptr, indices = [0], []
    for fs in feature_sets:
        rows = sorted(vocab[k] for k in fs if k in vocab)
        indices.extend(rows); indptr.append(len(indices))
    return sp.csr_matrix((np.ones(len(indices), dtype=np.float64), indices, indptr), shape=(len(feature_sets), len(vocab)))

# ---------------------------------------------------------------- learners (binary, as the Swift ones)
def naive_bayes(X, y, alpha):
    """Multinomial NB over binary features; returns score difference (yes - no) weights and bias."""
    w, b = [], []
    for c in (0, 1):
        Xc = X[y == c]
        counts = np.asarray(Xc.sum(axis=0)).ravel()
        total = counts.sum()
        w.append(np.log((counts + alpha) / (total + alpha * X.shape[1])))
        b.append(math.log(max(Xc.shape[0], 0.01) / X.shape[0]))
    return w[1] - w[0], b[1] - b[0]

def logistic_sgd(X, y, l2, epochs, rate0, seed=12, sample_weight=None):
    """Softmax SGD of LogisticRegressionTrainer for two classes, as a single margin (score difference)."""
    rng = np.random.default_rng(seed)
    n, d = X.shape
    v = np.zeros((d, 2)); bias = np.zeros(2); scale = 1.0
    total = epochs * n; step = 0
    indptr, indices = X.indptr, X.indices
    data = X.data
    for _ in range(epochs):
        for i in rng.permutation(n):
            rate = rate0 / (1 + 4 * step / total); step += 1
            rows = indices[indptr[i]:indptr[i + 1]]
            vals = data[indptr[i]:indptr[i + 1]]
            s = bias + scale * (vals @ v[rows])
            s = np.exp(s - s.max()); p = s / s.sum()
            scale *= 1 - rate * l2
            if scale < 1e-4:
                v *= scale; scale = 1.0
            g = p.copy(); g[y[i]] -= 1
            if sample_weight is not None: g *= sample_weight[i]
            bias -= rate * g
            v[rows] -= np.outer(vals, rate * g / scale)
    v *= scale
    return v[:, 1] - v[:, 0], bias[1] - bias[0]

def sigmoid(z): return 1 / (1 + np.exp(-np.clip(z, -500, 500)))

def fit_temperature(margin, y):
    def nll(t):
        p = np.clip(sigmoid(margin / t), 1e-12, 1 - 1e-12)
        return -np.mean(np.where(y == 1, np.log(p), np.log(1 - p)))
    coarse = [0.25, 0.35, 0.5, 0.7, 1, 1.4, 2, 2.8, 4, 5.6, 8, 11, 16, 23, 32, 45, 64]
    best = min(coarse, key=nll)
    fine = [round(best * (0.75 + 0.05 * k), 3) for k in range(12) if 0.75 + 0.05 * k <= 1.3 + 1e-9]
    return min(fine, key=nll)

def out_of_fold(X, y, train):
    """train(Xtrain, ytrain) -> (weights, bias) or a predict function; returns out-of-fold margins."""
    n = X.shape[0]
    margin = np.zeros(n)
    idx = FOLD_ORDER if FOLD_ORDER is not None and len(FOLD_ORDER) == n else np.arange(n)
    for f in range(FOLDS):
        tr, te = idx % FOLDS != f, idx % FOLDS == f
        model = train(X[tr], y[tr])
        if callable(model): margin[te] = model(X[te])
        else:
            w, b = model
            margin[te] = X[te] @ w + b
    return margin

def operating_point(prob, rule, truth, target=0.98):
    pos = truth.sum()
    for k in range(199, 0, -1):
        t = k * 0.005
        flagged = rule | (prob >= t - 1e-12)
        if (flagged & truth).sum() / pos >= target: break
    flagged = rule | (prob >= t - 1e-12)
    return round(t, 3), (flagged & truth).sum() / max(1, flagged.sum()), int((flagged & ~truth).sum()), int((flagged & truth).sum())

def precision_at_recall(prob, rule, truth, target=0.98):
    """Threshold-free: the best precision over every threshold keeping recall >= target (finer than the grid)."""
    pos = truth.sum()
    need = math.ceil(target * pos - 1e-9)
    rule_pos = (rule & truth).sum(); rule_neg = (rule & ~truth).sum()
    p_pos = np.sort(prob[truth & ~rule])[::-1]
    k = need - rule_pos
    if k <= 0: return (rule_pos) / max(1, rule_pos + rule_neg)
    t = p_pos[k - 1]
    fp = rule_neg + ((prob >= t) & ~truth & ~rule).sum()
    tp = rule_pos + ((prob >= t) & truth & ~rule).sum()
    return tp / (tp + fp)

class Data:
    def __init__(self, examples):
        self.ex = examples
        self.y = np.array([1 if e["level"] == "critical" else 0 for e in examples])
        self.truth = self.y == 1
        self.rule = np.array([critical_rule(e["text"]) for e in examples])
        self.defused = np.array([defused(e["text"]) for e in examples])

    def evaluate(self, margin, name="", temperature=None, verbose=True):
        t = temperature or fit_temperature(margin, self.y)
        prob = sigmoid(margin / t)
        prob = np.where(self.defused, 0.0, prob)
        thr, prec, fp, tp = operating_point(prob, self.rule, self.truth)
        best = precision_at_recall(prob, self.rule, self.truth)
        if verbose:
            print(f"{name:60s} T={t:<6} thr={thr:<6} prec@98={prec:.3f} (fp {fp}, tp {tp}) exact={best:.3f}", flush=True)
        return prec, prob

# ---------------------------------------------------------------- the extra feature sets tried
SPLIT = re.compile(r"[，,。\.！!？\?；;：:、\s…~～\"“”'‘’（）()【】\[\]—-]+")
def clauses(text):
    return [c for c in (normalise(c) for c in SPLIT.split(text)) if c]

def last_clause(e):
    """The n-grams of the last clause, apart ("…跑了", "…还躺在地上" often close a call)."""
    cl = clauses(e["text"])
    return {"L:" + g for g in ngrams(cl[-1])} if cl else set()

MARKERS = ["刚才", "刚刚", "已经", "已", "没有", "没", "不", "未", "跑了", "走了", "逃", "离开", "后", "昨", "前",
           "正在", "正", "还在", "现在", "一直", "仍", "还", "马上", "快"]
def scope(e, k=6):
    """Negation / tense scope: each bigram within k characters after a marker, paired with the marker."""
    s = normalise(e["text"]); out = set()
    for m in MARKERS:
        for j in (i for i in range(len(s)) if s.startswith(m, i)):
            after = s[j + len(m): j + len(m) + k]
            out.update("N:" + m + "|" + after[i:i + 2] for i in range(len(after) - 1))
    return out

def skip_pairs(e, k=6, within_clause=True):
    """Co-occurrence: ordered pairs of bigrams of one clause, the second starting within k characters of
    the first's end (k=1000: any two bigrams of a clause)."""
    out = set()
    for s in (clauses(e["text"]) if within_clause else [normalise(e["text"])]):
        grams = [s[i:i + 2] for i in range(len(s) - 1)]
        for a in range(len(grams)):
            for b in range(a + 2, min(len(grams), a + 2 + k)):
                out.add("S:" + grams[a] + "|" + grams[b])
    return out

GROUPS = {"gone": ["跑了", "走了", "逃", "离开", "开走", "跑掉", "不见了人"],
          "past": ["刚才", "刚刚", "已经", "之前", "昨天", "昨晚", "上午", "下午"],
          "now": ["正在", "还在", "现在", "一直", "仍", "马上"],
          "neg": ["没有", "没", "不", "无", "未"]}
def cross(e, groups=GROUPS):
    """Each marker group present in the text (culprit gone, past, ongoing, negation), alone and crossed
    with every bigram of the text: "撞倒 in a text that says 跑了" is a feature of its own."""
    s = normalise(e["text"]); out = set()
    grams = {s[i:i + 2] for i in range(len(s) - 1)}
    for name, markers in groups.items():
        if any(m in s for m in markers):
            out.add("X:" + name)
            out.update("X:" + name + "|" + g for g in grams)
    return out

def dictionary(examples, min_df=3, longest=4):
    """Words: the 2-4-grams of at least min_df training texts (a dictionary from the corpus itself)."""
    df = {}
    for e in examples:
        s = normalise(e["text"])
        for g in {s[i:i + n] for n in range(2, longest + 1) for i in range(len(s) - n + 1)}: df[g] = df.get(g, 0) + 1
    return {g for g, c in df.items() if c >= min_df}

def segment(s, words, longest=4):
    """Forward maximum matching."""
    out, i = [], 0
    while i < len(s):
        n = next(n for n in range(min(longest, len(s) - i), 0, -1) if n == 1 or s[i:i + n] in words)
        out.append(s[i:i + n]); i += n
    return out

def word_features(e, words, bigrams=True):
    """Segmented words of each clause, and adjacent word pairs."""
    out = set()
    for s in clauses(e["text"]):
        ws = segment(s, words)
        out.update("W:" + w for w in ws)
        if bigrams: out.update("WB:" + a + "|" + b for a, b in zip(ws, ws[1:]))
    return out

def fourgrams(e):
    s = normalise(e["text"])
    return {"4:" + s[i:i + 4] for i in range(len(s) - 3)}

def channel_bigrams(e):
    s = normalise(e["text"])
    return {"C:" + e["channel"] + "|" + s[i:i + 2] for i in range(len(s) - 1)}

# ---------------------------------------------------------------- runs
def run(D, base, name, extra_fn, seeds, mixes=(0.25, 0.5), urgent_weight=None):
    t0 = time.time()
    fs = [b | extra_fn(e) for b, e in zip(base, D.ex)]
    X = matrix(fs, vocabulary(fs)); Xb = matrix(base, vocabulary(base))
    y = D.y
    nb = out_of_fold(Xb, y, lambda A, b: naive_bayes(A, b, 0.05)); tn = fit_temperature(nb, y)
    weight = None if urgent_weight is None else np.array([urgent_weight if e["level"] == "urgent" else 1.0 for e in D.ex])
    res = {m: [] for m in mixes}; alone = []
    for s in seeds:
        lr = (out_of_fold(X, y, lambda A, b: logistic_sgd(A, b, 3e-4, 25, 0.5, seed=s)) if weight is None
              else _out_of_fold_weighted(X, y, weight, s))
        tl = fit_temperature(lr, y)
        alone.append(D.evaluate(lr, verbose=False)[0])
        for m in mixes: res[m].append(D.evaluate(m * nb / tn + (1 - m) * lr / tl, verbose=False)[0])
    print(f"{name:28s} [{X.shape[1]:6d} features] " + "  ".join(
        f"blend {m}: {np.mean(v):.3f} ({min(v):.3f}-{max(v):.3f})" for m, v in res.items())
        + f"  model alone {np.mean(alone):.3f}  {time.time() - t0:.0f}s", flush=True)

def knn_margin(D, k=10):
    """Out-of-fold log-odds of being critical from the k nearest training texts of the other folds (cosine
    over TF-IDF of the normalised character 1-3-grams), each neighbour weighted by its similarity."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    texts = [normalise(e["text"]) for e in D.ex]
    n = len(texts); margin = np.zeros(n)
    idx = FOLD_ORDER if FOLD_ORDER is not None and len(FOLD_ORDER) == n else np.arange(n)
    prior = D.y.mean()
    for f in range(FOLDS):
        tr, te = np.where(idx % FOLDS != f)[0], np.where(idx % FOLDS == f)[0]
        vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), binary=KNN_BINARY, sublinear_tf=not KNN_BINARY, min_df=2)
        A = vec.fit_transform([texts[i] for i in tr]); B = vec.transform([texts[i] for i in te])
        S = (B @ A.T).toarray()
        top = np.argpartition(-S, k, axis=1)[:, :k]
        for row, i in enumerate(te):
            w = S[row, top[row]]; lab = D.y[tr[top[row]]]
            p = (np.sum(w * lab) + prior) / (np.sum(w) + 1)
            margin[i] = np.log(p / (1 - p))
    return margin

def knn_blend(D, base, seeds, ks=(20, 30, 50), weights=(0.3, 0.5, 0.7)):
    """The critical model (the logistic regression L2 3e-4 alone, as shipped since the sixth session, and
    the 0.5 naive Bayes blend) blended with the k-nearest-neighbour log-odds, each part over its own fitted
    temperature."""
    X = matrix(base, vocabulary(base)); y = D.y
    nb = out_of_fold(X, y, lambda A, b: naive_bayes(A, b, 0.05)); tn = fit_temperature(nb, y)
    lrs = [out_of_fold(X, y, lambda A, b: logistic_sgd(A, b, 3e-4, 25, 0.5, seed=s)) for s in seeds]
    tls = [fit_temperature(lr, y) for lr in lrs]
    bases = {"lr": [lr / tl for lr, tl in zip(lrs, tls)],
             "nb0.5": [0.5 * nb / tn + 0.5 * lr / tl for lr, tl in zip(lrs, tls)]}
    for name, margins in bases.items():
        print(f"{name} alone: {np.mean([D.evaluate(m, verbose=False)[0] for m in margins]):.3f}", flush=True)
    for k in ks:
        kn = knn_margin(D, k); tk = fit_temperature(kn, y)
        line = f"k={k}: knn alone {D.evaluate(kn, verbose=False)[0]:.3f}"
        for name, margins in bases.items():
            for wgt in weights:
                vals = [D.evaluate((1 - wgt) * m + wgt * kn / tk, verbose=False)[0] for m in margins]
                line += f"  {name}+knn {wgt}: {np.mean(vals):.3f}"
        print(line, flush=True)

def averaged_perceptron(X, y, epochs=15, seed=12, margin=1.0):
    """Another learner tried for critical (updates when the signed score is <= margin; averaged weights)."""
    rng = np.random.default_rng(seed)
    n, d = X.shape; w = np.zeros(d); b = 0.0; wa = np.zeros(d); ba = 0.0; c = 1
    ys = np.where(y == 1, 1.0, -1.0)
    for _ in range(epochs):
        for i in rng.permutation(n):
            rows = X.indices[X.indptr[i]:X.indptr[i + 1]]
            if ys[i] * (w[rows].sum() + b) <= margin:
                w[rows] += ys[i]; b += ys[i]; wa[rows] += c * ys[i]; ba += c * ys[i]
            c += 1
    return w - wa / c, b - ba / c

def _out_of_fold_weighted(X, y, weight, seed):
    n = X.shape[0]; margin = np.zeros(n)
    idx = FOLD_ORDER if FOLD_ORDER is not None else np.arange(n)
    for f in range(FOLDS):
        tr, te = idx % FOLDS != f, idx % FOLDS == f
        w, b = logistic_sgd(X[tr], y[tr], 3e-4, 25, 0.5, seed=seed, sample_weight=weight[tr])
        margin[te] = X[te] @ w + b
    return margin

def mined_rules(D, m, maxneg, seeds):
    """Rules learned per fold: normalised 2-5-grams in >= m critical texts of the other folds and in at most
    maxneg others, applied to the held-out fold on top of the hand-written rules."""
    texts = [normalise(e["text"]) for e in D.ex]
    G = [{s[i:i + n] for n in range(2, 6) for i in range(len(s) - n + 1)} for s in texts]
    idx = FOLD_ORDER if FOLD_ORDER is not None else np.arange(len(texts))
    flag = np.zeros(len(texts), bool)
    for f in range(FOLDS):
        pos, neg = {}, {}
        for i in np.where(idx % FOLDS != f)[0]:
            d = pos if D.y[i] else neg
            for g in G[i]: d[g] = d.get(g, 0) + 1
        rules = {g for g, c in pos.items() if c >= m and neg.get(g, 0) <= maxneg}
        for i in np.where(idx % FOLDS == f)[0]: flag[i] = bool(G[i] & rules)
    base = [base_features(e) for e in D.ex]; X = matrix(base, vocabulary(base))
    nb = out_of_fold(X, D.y, lambda A, b: naive_bayes(A, b, 0.05)); tn = fit_temperature(nb, D.y)
    res = []
    for s in seeds:
        lr = out_of_fold(X, D.y, lambda A, b: logistic_sgd(A, b, 3e-4, 25, 0.5, seed=s)); tl = fit_temperature(lr, D.y)
        margin = 0.25 * nb / tn + 0.75 * lr / tl
        prob = np.where(D.defused, 0, sigmoid(margin / fit_temperature(margin, D.y)))
        res.append(operating_point(prob, D.rule | flag, D.truth)[1])
    print(f"mined rules m>={m} others<={maxneg}: new flags {(flag & D.truth & ~D.rule).sum()} critical, "
          f"{(flag & ~D.truth & ~D.rule).sum()} not; precision at 98 % recall {np.mean(res):.3f}", flush=True)

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="*", default=["baseline"])
    parser.add_argument("--seeds", default="12,1,2,3,4")
    parser.add_argument("--permutation", type=int, help="seed of a permutation of the fold assignment")
    parser.add_argument("--urgent-weight", type=float, help="weight of the urgent (not critical) examples")
    parser.add_argument("--mined", action="store_true")
    parser.add_argument("--knn", action="store_true", help="blend the model with k-nearest-neighbour log-odds")
    parser.add_argument("--perceptron", action="store_true", help="the averaged perceptron instead of the logistic regression")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.perceptron:
        logistic_sgd = lambda A, b, l2, epochs, rate, seed=12, sample_weight=None: averaged_perceptron(A, b, seed=seed)
    ex = load("train"); D = Data(ex)
    if args.permutation is not None:
        FOLD_ORDER = np.random.default_rng(args.permutation).permutation(len(ex))
    base = [base_features(e) for e in ex]
    words = None
    def W(bigrams):
        def f(e):
            global words
            words = words or dictionary(ex)
            return word_features(e, words, bigrams)
        return f
    sets = {"baseline": lambda e: set(), "last": last_clause, "scope": scope, "last+scope": lambda e: last_clause(e) | scope(e),
            "skip3": lambda e: skip_pairs(e, 3), "skip6": lambda e: skip_pairs(e, 6), "clause-pairs": lambda e: skip_pairs(e, 1000),
            "cross": cross, "cross-neg": lambda e: cross(e, {"neg": GROUPS["neg"]}),
            "words": W(True), "words-unigrams": W(False), "4grams": fourgrams, "channel-bigrams": channel_bigrams}
    if args.knn:
        knn_blend(D, base, seeds)
    if args.mined:
        for m, maxneg in [(3, 0), (5, 0), (8, 0), (6, 1)]: mined_rules(D, m, maxneg, seeds)
    for name in args.sets:
        run(D, base, name, sets[name], seeds, urgent_weight=args.urgent_weight)
