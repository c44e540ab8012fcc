import NN
import Tensor
import Testing
@testable import ALIP

/// The FLOP counts `alip bench step` reports (speed itself is only measured, never asserted).
@Suite struct StepBenchmarkTests {
    let config = StepBenchmark.tinyConfig

    /// Rows of the full context with the EOT at `eot` (the largest id, vocab − 1).
    func rows(_ count: Int, eot: (Int) -> Int) -> [[Int32]] {
        (0..<count).map { r in (0..<32).map { j in j < eot(r) ? 5 : (j == eot(r) ? 4095 : 0) } }
    }

    /// Without skipping anything the executed count is the formula of `alip_step.py` (83.14 GFLOP for
    /// the ALIP step at batch 128, as `../shared/bench` quotes it).
    @Test func executedFlopsWithoutSkippingEqualTheModelFormula() {
        for paths in [1, 2] {
            let texts = rows(128 * paths) { 2 + $0 % 30 }
            let model = StepBenchmark.flopsPerStep(config, batch: 128, textPaths: paths)
            let executed = StepBenchmark.executedFlopsPerStep(config, batch: 128, texts: texts, textPaths: paths,
                                                              lengthGroups: 0, pooledLastBlock: false)
            #expect(abs(executed - model) <= 1e-9 * model)
        }
        #expect(abs(StepBenchmark.flopsPerStep(config, batch: 128, textPaths: 2) / 1e9 - 83.14) < 0.01)
    }

    /// The pooled last block alone (all rows full length): each tower's last block does
    /// n·2d² + 2d² + 2dh + 2nd multiply-adds instead of n·(4d² + 2dh) + 2n²d.
    @Test func pooledLastBlockCountsKeysAndValuesOfEveryPositionAndOneRowOfTheRest() {
        let (d, h) = (128, 512)
        func layer(_ n: Int) -> Double { Double(n * (4 * d * d + 2 * d * h) + 2 * n * n * d) }
        func pooled(_ n: Int) -> Double { Double(n * 2 * d * d + 2 * d * d + 2 * d * h + 2 * n * d) }
        let texts = rows(128) { _ in 31 }
        let full = StepBenchmark.executedFlopsPerStep(config, batch: 128, texts: texts, textPaths: 1,
                                                      lengthGroups: 4, pooledLastBlock: false)
        let skipped = StepBenchmark.executedFlopsPerStep(config, batch: 128, texts: texts, textPaths: 1,
                                                         lengthGroups: 4, pooledLastBlock: true)
        let saved = 2 * 3 * 128 * ((layer(65) - pooled(65)) + (layer(32) - pooled(32)))
        #expect(abs((full - skipped) - saved) <= 1e-9 * full)
    }

    /// Length groups count each group at its own longest row: 64 rows ending at 3 and 64 at 31 make two
    /// groups, the short one at 4 positions.
    @Test func lengthGroupsCountEachGroupAtItsLength() {
        let (d, h) = (128, 512)
        func layer(_ n: Int) -> Double { Double(n * (4 * d * d + 2 * d * h) + 2 * n * n * d) }
        let texts = rows(128) { $0 < 64 ? 3 : 31 }
        let grouped = StepBenchmark.executedFlopsPerStep(config, batch: 128, texts: texts, textPaths: 1,
                                                         lengthGroups: 4, pooledLastBlock: false)
        let padded = StepBenchmark.executedFlopsPerStep(config, batch: 128, texts: texts, textPaths: 1,
                                                        lengthGroups: 0, pooledLastBlock: false)
        #expect(abs((padded - grouped) - 2 * 3 * 64 * 4 * (layer(32) - layer(4))) <= 1e-9 * padded)
    }
}
