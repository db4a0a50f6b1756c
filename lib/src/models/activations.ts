/**
 * Unit nonlinearities with gradients that stay correct at second order.
 *
 * tfjs' built-in gradients of `tanh`, `sigmoid` and `exp` reuse the op's output, and nested `tf.grad` (Hessian-vector
 * products) through them is silently wrong (docs/stack.md#second-order-gradients; tfjs #3252). Here they are `tf.customGrad` ops whose gradient
 * is rebuilt from the saved *input* through the same safe op, so every order of differentiation composes:
 *
 *   tanh′(x) = 1 − tanh(x)²        sigmoid′(x) = σ(x)(1 − σ(x))        exp′(x) = exp(x)
 *
 * relu, leaky relu and identity use tfjs' gradients (built from the input; docs/stack.md#second-order-gradients: relu composes correctly).
 */
import * as tf from "@tensorflow/tfjs";
import type { Activation } from "./config";

type Unary = (x: tf.Tensor) => tf.Tensor;

function safeUnary(value: (x: tf.Tensor) => tf.Tensor, derivative: (x: tf.Tensor) => tf.Tensor): Unary {
  const op = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return { value: value(x), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, derivative(saved[0])) };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op as unknown as Unary;
}

/** exp with a gradient built from its input: d exp(x) = exp(x) dx, exp recomputed through this op. */
export const expSafe: Unary = safeUnary(
  (x) => tf.exp(x),
  (x) => expSafe(x),
);

/** tanh with a second-order-safe gradient (1 − tanh²(x), tanh recomputed through this op). */
export const tanhSafe: Unary = safeUnary(
  (x) => tf.tanh(x),
  (x) => {
    const t = tanhSafe(x);
    return tf.sub(1, tf.mul(t, t));
  },
);

/** Logistic sigmoid with a second-order-safe gradient (σ(1 − σ), σ recomputed through this op). */
export const sigmoidSafe: Unary = safeUnary(
  (x) => tf.sigmoid(x),
  (x) => {
    const s = sigmoidSafe(x);
    return tf.mul(s, tf.sub(1, s));
  },
);

/** Slope of leaky relu for negative inputs. */
export const LEAKY_RELU_ALPHA = 0.01;

/** f(x) for an activation name. */
export function activate<T extends tf.Tensor>(x: T, f: Activation): T {
  switch (f) {
    case "relu":
      return tf.relu(x);
    case "leaky_relu":
      return tf.leakyRelu(x, LEAKY_RELU_ALPHA);
    case "linear":
      return x;
    case "tanh":
      return tanhSafe(x) as T;
    case "sigmoid":
      return sigmoidSafe(x) as T;
  }
}

/** He-init gain² for an activation: 2 for (leaky) relu, 1 otherwise (used as N(0, gain²/fan_in)). */
export function heVarianceFactor(f: Activation): number {
  return f === "relu" || f === "leaky_relu" ? 2 : 1;
}
