import ALIP
import Tensor
import Foundation
import Testing
import TestSupport

/// `alip parity` is the real components against the PyTorch/authors'-code exports: every row passes on
/// both fixtures, and the comparison itself can fail.
@Suite("alip parity") struct ParityCheckTests {
    @Test(arguments: ["tiny-a.h5", "tiny-128.h5"])
    func everyRowPasses(_ name: String) throws {
        let rows = try ParityCheck.run(fixture: FixturePaths.file(name))
        let failed = rows.filter { !$0.passed }
        #expect(failed.isEmpty, "\(failed.map { "\($0.name): rel \($0.maxRelError)" })")
        // Forward, gates, EMAs, losses, gradients, the clip norm and the AdamW step are all compared.
        for prefix in ["expected/image_features", "expected/weight_sample", "expected/weight_raw", "expected/momentum_vc",
                       "expected/loss_alip", "expected/loss_clip", "expected/grad_norm_before_clip", "grads/", "after_adamw/"] {
            #expect(rows.contains { $0.name.hasPrefix(prefix) }, "no row for \(prefix)")
        }
        if name == "tiny-a.h5" {
            #expect(rows.filter { $0.name.hasPrefix("grads/") }.count == 62)
            #expect(rows.filter { $0.name.hasPrefix("after_adamw/") }.count == 62)
        }
    }

    @Test func aWrongValueFails() {
        let e = Tensor(shape: [3], data: [1, 2, 3])
        #expect(ParityCheck.compare("x", actual: Tensor(shape: [3], data: [1, 2, 3.001]), expected: e).passed == false)
        #expect(ParityCheck.compare("x", actual: Tensor(shape: [3], data: [1, 2, 3.0001]), expected: e).passed == true)
        #expect(ParityCheck.compare("x", actual: Tensor(shape: [2], data: [1, 2]), expected: e).passed == false)
        #expect(ParityCheck.compare("x", actual: Tensor(shape: [3], data: [1, .nan, 3]), expected: e).passed == false)
    }

    @Test func aFileThatIsNotAFixtureIsAClearError() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-fixture-\(UUID().uuidString).h5")
        try Data("hello".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect { try ParityCheck.run(fixture: url) } throws: { "\($0)".contains(url.lastPathComponent) }
    }
}
