import { describe, expect, test } from "bun:test";
import { SINGLE_CORE_ENGINE, singleCoreEnvironment } from "../../src/server/engine.ts";

describe("singleCoreEnvironment", () => {
  test("on one core: the environment plus the engine settings", () => {
    expect(singleCoreEnvironment({ PATH: "/bin" }, 1)).toEqual({
      PATH: "/bin",
      ...SINGLE_CORE_ENGINE,
    });
  });

  test("nothing to change with more cores, or once any setting is there", () => {
    expect(singleCoreEnvironment({ PATH: "/bin" }, 2)).toBeUndefined();
    // The operator's own choice, or the restart itself: no second restart.
    expect(singleCoreEnvironment({ BUN_JSC_useFTLJIT: "1" }, 1)).toBeUndefined();
    expect(singleCoreEnvironment({ ...SINGLE_CORE_ENGINE }, 1)).toBeUndefined();
  });
});
