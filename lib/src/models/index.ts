/**
 * Models: configs, the fully connected families of papers 1 and 2, the convolutional nets of papers 2 and 3, second-order-safe losses and activations,
 * fixed skip matrices, initialisations.
 */
export * from "./config";
export * from "./network";
export * from "./mlp";
export * from "./blocks";
export * from "./convnet";
export * from "./create";
export * from "./loss";
export * from "./activations";
export * from "./batchnorm";
export * from "./skip";
export * from "./init";
export * from "./matrix64";
