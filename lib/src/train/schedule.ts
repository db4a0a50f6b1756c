/**
 * Learning rate at a step, for the schedules of config.ts (`ScheduleConfig`). Pure functions of the position, so a
 * resumed run gets exactly the same rates.
 */
import type { ScheduleConfig } from "./config";

export interface SchedulePosition {
  /** 0-based epoch. */
  epoch: number;
  /** 0-based global step (steps before this one). */
  step: number;
  /** Steps per epoch. */
  stepsPerEpoch: number;
  /** Total epochs of the run. */
  epochs: number;
}

/** The learning rate to use for the step at `pos`. */
export function learningRate(base: number, schedule: ScheduleConfig, pos: SchedulePosition): number {
  switch (schedule.type) {
    case "constant":
      return base;
    case "step": {
      let k = 0;
      for (const m of schedule.milestones) if (pos.epoch >= m) k++;
      return base * schedule.gamma ** k;
    }
    case "cosine": {
      const total = Math.max(1, pos.epochs * pos.stepsPerEpoch);
      const warm = Math.round(schedule.warmupEpochs * pos.stepsPerEpoch);
      if (pos.step < warm) return base / 10 + ((base - base / 10) * pos.step) / warm;
      const t = Math.min(1, (pos.step - warm) / Math.max(1, total - warm));
      return schedule.finalLr + (base - schedule.finalLr) * 0.5 * (1 + Math.cos(Math.PI * t));
    }
  }
}
