/**
 * Multinomial logistic regression over sparse text features, trained in-process with AdaGrad.
 *
 * Hand-written on purpose: the JavaScript libraries that train linear models (ml-logistic-
 * regression, ml-svm, natural's classifiers) work on dense matrices — 8,000 questions × 60,000
 * n-gram features is 480 million cells per pass — and the WebAssembly ports (fastText, libsvm)
 * bring native-size models and file-system shims for what is one weight table here. A merchant's
 * intents train in tens of milliseconds, Banking77's 8,000 questions in a few seconds, and a
 * prediction costs (features in the query) × (intents) multiply-adds.
 */

export interface TrainingExample {
  features: string[];
  label: string;
  /** How much this example counts (intent examples 1; weaker variants less). */
  weight?: number;
}

export interface LinearClassifierOptions {
  /** Passes over the examples. */
  epochs?: number;
  /** AdaGrad base step. */
  learningRate?: number;
  /** L2 penalty per update on the touched weights. */
  l2?: number;
  /** Seed for the deterministic shuffle (same data → same model). */
  seed?: number;
}

export interface LabelProbability {
  label: string;
  probability: number;
}

export interface LinearClassifier {
  labels: readonly string[];
  /** Labels with their probabilities, best first; empty when no feature of the text is known. */
  predict(features: string[]): LabelProbability[];
  /**
   * The same probabilities by label index (`labels[i]`), without an object per label; null when no
   * feature of the text is known.
   */
  probabilities(features: readonly string[]): Float64Array | null;
  /** How many of the features the model has seen in training. */
  known(features: string[]): number;
}

/** A small deterministic PRNG (mulberry32): the same knowledge always trains the same model. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Trains a classifier; labels with no example are simply absent. */
export function trainLinearClassifier(
  examples: TrainingExample[],
  options: LinearClassifierOptions = {},
): LinearClassifier {
  const { epochs = 12, learningRate = 0.4, l2 = 1e-6, seed = 7 } = options;
  const labels: string[] = [];
  const labelIndex = new Map<string, number>();
  const vocabulary = new Map<string, number>();
  const documentFrequency: number[] = [];
  const encoded: { ids: number[]; label: number; weight: number }[] = [];
  for (const example of examples) {
    if (example.features.length === 0) continue;
    let label = labelIndex.get(example.label);
    if (label === undefined) {
      label = labels.length;
      labels.push(example.label);
      labelIndex.set(example.label, label);
    }
    const ids: number[] = [];
    for (const feature of new Set(example.features)) {
      let id = vocabulary.get(feature);
      if (id === undefined) {
        id = vocabulary.size;
        vocabulary.set(feature, id);
        documentFrequency.push(0);
      }
      documentFrequency[id]!++;
      ids.push(id);
    }
    encoded.push({ ids, label, weight: example.weight ?? 1 });
  }
  const classes = labels.length;
  const total = encoded.length;
  // IDF-weighted, L2-normalised binary vectors: rare features speak louder, long texts don't.
  const idf = Float32Array.from(documentFrequency, (df) => Math.log((1 + total) / (1 + df)) + 1);
  const valuesOf = (ids: number[]) => {
    let norm = 0;
    for (const id of ids) norm += idf[id]! * idf[id]!;
    norm = Math.sqrt(norm) || 1;
    return ids.map((id) => idf[id]! / norm);
  };
  const data = encoded.map((e) => ({ ...e, values: valuesOf(e.ids) }));

  const weights = new Float32Array(vocabulary.size * classes);
  const bias = new Float32Array(classes);
  if (classes > 1) {
    const squared = new Float32Array(vocabulary.size * classes);
    const biasSquared = new Float32Array(classes);
    const scores = new Float64Array(classes);
    const order = data.map((_, i) => i);
    const next = random(seed);
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      for (const index of order) {
        const { ids, values, label, weight } = data[index]!;
        scoreInto(scores, weights, bias, ids, values, classes);
        softmaxInPlace(scores);
        for (let c = 0; c < classes; c++) {
          const gradient = (scores[c]! - (c === label ? 1 : 0)) * weight;
          if (Math.abs(gradient) < 1e-4) continue;
          biasSquared[c]! += gradient * gradient;
          bias[c]! -= (learningRate * gradient) / Math.sqrt(biasSquared[c]! + 1e-8);
          for (let k = 0; k < ids.length; k++) {
            const cell = ids[k]! * classes + c;
            const g = gradient * values[k]! + l2 * weights[cell]!;
            squared[cell]! += g * g;
            weights[cell]! -= (learningRate * g) / Math.sqrt(squared[cell]! + 1e-8);
          }
        }
      }
    }
  }

  // Known features' ids, each once, in first-seen order (a repeated feature string has the same
  // id, so marking ids does what a Set of the strings did, without the Set).
  const seenAt = new Int32Array(vocabulary.size);
  let lookups = 0;
  const lookup = (features: readonly string[]) => {
    if (++lookups === 0x7fffffff) {
      seenAt.fill(0);
      lookups = 1;
    }
    const ids: number[] = [];
    for (const feature of features) {
      const id = vocabulary.get(feature);
      if (id !== undefined && seenAt[id] !== lookups) {
        seenAt[id] = lookups;
        ids.push(id);
      }
    }
    return ids;
  };
  const probabilities = (features: readonly string[]): Float64Array | null => {
    if (classes === 0) return null;
    const ids = lookup(features);
    if (ids.length === 0) return null;
    const scores = new Float64Array(classes);
    scoreInto(scores, weights, bias, ids, valuesOf(ids), classes);
    softmaxInPlace(scores);
    return scores;
  };
  return {
    labels,
    known: (features) => lookup(features).length,
    predict(features) {
      const scores = probabilities(features);
      if (!scores) return [];
      const out: LabelProbability[] = [];
      for (let c = 0; c < classes; c++) out.push({ label: labels[c]!, probability: scores[c]! });
      return out.sort((a, b) => b.probability - a.probability);
    },
    probabilities,
  };
}

function scoreInto(
  scores: Float64Array,
  weights: Float32Array,
  bias: Float32Array,
  ids: number[],
  values: number[],
  classes: number,
): void {
  for (let c = 0; c < classes; c++) scores[c] = bias[c]!;
  for (let k = 0; k < ids.length; k++) {
    const row = ids[k]! * classes;
    const value = values[k]!;
    for (let c = 0; c < classes; c++) scores[c]! += weights[row + c]! * value;
  }
}

function softmaxInPlace(scores: Float64Array): void {
  let max = -Infinity;
  for (const s of scores) if (s > max) max = s;
  let sum = 0;
  for (let c = 0; c < scores.length; c++) {
    scores[c] = Math.exp(scores[c]! - max);
    sum += scores[c]!;
  }
  for (let c = 0; c < scores.length; c++) scores[c]! /= sum;
}
