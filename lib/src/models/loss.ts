/**
 * Training losses written so that Hessian-vector products (nested `tf.grad`) through them are correct.
 *
 * Softmax cross-entropy, mean over the batch, for logits z [B, C] and (one-hot or soft) labels y [B, C]:
 *
 *   L = (1/B) Σ_i Σ_c y_ic (lse(z_i) − z_ic),     lse(z) = m + log Σ_c exp(z_c − m),  m = max_c z_c
 *   ∂L/∂z = (1/B) (softmax(z) ⊙ rowsum(y) − y)          (= (softmax(z) − y)/B for one-hot labels)
 *
 * The labels are constants (no gradient flows into them).
 *
 * tfjs' `tf.losses.softmaxCrossEntropy` / `logSoftmax` back-propagate through the saved softmax *output*, and their
 * second derivatives are silently wrong (docs/stack.md#second-order-gradients, tfjs #3252). Here the value is computed stably, and the gradient is
 * rebuilt from the saved *input* z through `softmaxSafe`, itself a `tf.customGrad` op whose vector-Jacobian product
 *
 *   softmax′(z)ᵀ v = s ⊙ (v − ⟨v, s⟩),  s = softmaxSafe(z)
 *
 * again recomputes s from z. Every order of differentiation therefore goes through ops whose gradients are built from
 * inputs (sub, mul, sum, max-shifted exp inside the forward value only).
 */
import * as tf from "@tensorflow/tfjs";

/** Row-wise softmax of z [B, C], max-shifted for stability (forward value only; no gradient). */
function softmaxValue(z: tf.Tensor2D): tf.Tensor2D {
  const m = tf.max(z, 1, true);
  const e = tf.exp(tf.sub(z, m));
  return tf.div(e, tf.sum(e, 1, true)) as tf.Tensor2D;
}

/** Row-wise log-sum-exp of z [B, C] → [B, 1] (forward value only). */
function logSumExpValue(z: tf.Tensor2D): tf.Tensor2D {
  const m = tf.max(z, 1, true);
  return tf.add(m, tf.log(tf.sum(tf.exp(tf.sub(z, m)), 1, true))) as tf.Tensor2D;
}

/** Row-wise softmax of z [B, C] with a second-order-safe gradient (see the module comment). */
export const softmaxSafe = tf.customGrad(((z: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([z]);
  return {
    value: softmaxValue(z),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const s = softmaxSafe(saved[0] as tf.Tensor2D); // recomputed from the input
      return tf.mul(s, tf.sub(dy, tf.sum(tf.mul(dy, s), 1, true)));
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (z: tf.Tensor2D) => tf.Tensor2D;

/** Row-wise log-sum-exp [B, 1] with gradient softmaxSafe(z)·dy (second-order safe). */
export const logSumExpSafe = tf.customGrad(((z: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([z]);
  return {
    value: logSumExpValue(z),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => tf.mul(dy, softmaxSafe(saved[0] as tf.Tensor2D)),
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (z: tf.Tensor2D) => tf.Tensor2D;

/**
 * The loss as a custom-gradient op of z alone, with the labels y captured as constants: only ∂L/∂z is built (tfjs
 * computes every input's gradient of a customGrad op eagerly, and ∂L/∂y would cost a log-sum-exp per step). y is
 * still passed to `save`, so tfjs keeps it alive until backprop even when it was created inside the forward pass
 * (integer labels turned one-hot there).
 */
function crossEntropyOp(y: tf.Tensor2D): (z: tf.Tensor2D) => tf.Scalar {
  return tf.customGrad(((z: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([z, y]);
    const batch = z.shape[0];
    // L = (1/B) Σ_i Σ_c y_ic (lse_i − z_ic)
    const value = tf.div(tf.sum(tf.mul(y, tf.sub(logSumExpValue(z), z))), batch) as tf.Scalar;
    return {
      value,
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => {
        const [zs, ys] = saved as [tf.Tensor2D, tf.Tensor2D];
        const s = softmaxSafe(zs); // recomputed from the input
        return tf.mul(tf.div(dy, batch), tf.sub(tf.mul(s, tf.sum(ys, 1, true)), ys)); // (s·Σ_c y − y)/B
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (z: tf.Tensor2D) => tf.Scalar;
}

/**
 * Mean softmax cross-entropy of logits [B, C] against labels: either integer class indices (Tensor1D, int32) or
 * one-hot / soft label rows (Tensor2D [B, C], float32). Second-order safe in the logits (see the module comment); the
 * labels get no gradient.
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D | tf.Tensor2D): tf.Scalar {
  if (logits.rank !== 2)
    throw new Error(`softmaxCrossEntropy: logits must be [batch, classes], got ${JSON.stringify(logits.shape)}`);
  const [batch, classes] = logits.shape;
  let y: tf.Tensor2D;
  if (labels.rank === 1) {
    if (labels.shape[0] !== batch)
      throw new Error(`softmaxCrossEntropy: ${labels.shape[0]} labels for ${batch} logit rows`);
    y = tf.oneHot(tf.cast(labels, "int32") as tf.Tensor1D, classes).toFloat() as tf.Tensor2D;
  } else {
    if (labels.shape[0] !== batch || labels.shape[1] !== classes) {
      throw new Error(
        `softmaxCrossEntropy: labels ${JSON.stringify(labels.shape)} do not match logits ${JSON.stringify(logits.shape)}`,
      );
    }
    y = labels.dtype === "float32" ? (labels as tf.Tensor2D) : (tf.cast(labels, "float32") as tf.Tensor2D);
  }
  return crossEntropyOp(y)(logits);
}

/** Mean squared error, mean over all entries (PyTorch's MSELoss default): (1/(B·D)) Σ (pred − target)². */
export function meanSquaredError(pred: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  if (pred.shape[0] !== target.shape[0] || pred.shape[1] !== target.shape[1]) {
    throw new Error(
      `meanSquaredError: prediction ${JSON.stringify(pred.shape)} and target ${JSON.stringify(target.shape)} differ`,
    );
  }
  return tf.mean(tf.square(tf.sub(pred, target)));
}

/** Number of rows whose arg-max logit equals the label (labels: int class indices [B] or one-hot rows [B, C]). */
export function correctCount(logits: tf.Tensor2D, labels: tf.Tensor1D | tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const pred = tf.argMax(logits, 1);
    const truth = labels.rank === 1 ? tf.cast(labels, "int32") : tf.argMax(labels, 1);
    return tf.sum(tf.cast(tf.equal(pred, truth), "float32")) as tf.Scalar;
  });
}
