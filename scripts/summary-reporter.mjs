/**
 * Prints the plain closing line CI reads ("Tests: N passed, N failed") after vitest's own summary,
 * so the run is judged by its counts and not only by its exit code. Before it, the slowest test
 * files (import + tests, seconds), so a CI log alone says where the suite's time goes.
 */
const SLOWEST_SHOWN = 25;
export default class SummaryReporter {
  onTestRunEnd(testModules, unhandledErrors) {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      let failedHere = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedHere++;
        else skipped++;
      }
      // A file that failed with no failed test (an import error, or a beforeAll/afterAll hook that
      // threw, which leaves its tests "skipped") is one failure, never "0 failed".
      if (module.state() === 'failed' && failedHere === 0) failedHere = 1;
      failed += failedHere;
    }
    failed += unhandledErrors?.length ?? 0;
    const timed = testModules
      .map((module) => {
        const d = module.diagnostic();
        return {
          file: module.relativeModuleId ?? module.moduleId,
          seconds: (d.collectDuration + d.duration) / 1000,
        };
      })
      .sort((a, b) => b.seconds - a.seconds);
    if (timed.length > 1) {
      const total = timed.reduce((sum, t) => sum + t.seconds, 0);
      process.stdout.write(
        `\nSlowest test files (import + tests, of ${total.toFixed(0)} s in ${timed.length} files):\n`,
      );
      for (const t of timed.slice(0, SLOWEST_SHOWN))
        process.stdout.write(`  ${t.seconds.toFixed(1).padStart(7)} s  ${t.file}\n`);
    }
    const tail = skipped ? `, ${skipped} skipped` : '';
    process.stdout.write(`\nTests: ${passed} passed, ${failed} failed${tail}\n`);
  }
}
