/**
 * Runs as data: content-hashed run directories, checkpoints, resumable execution, sweeps and shards, loading into
 * frames, the `skiplab sweep` command, and sharded loss surfaces around finished runs (`skiplab surface`).
 */
export * from "./hash";
export * from "./files";
export * from "./checkpoint";
export * from "./spec";
export * from "./execute";
export * from "./sweep";
export * from "./load";
export * from "./cli";
export * from "./surface";
