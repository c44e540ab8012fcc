import Foundation
import Testing
import Tensor
import TestSupport
@testable import Checkpoint

/// The report `alip inspect` prints.
@Suite struct InspectionTests {
    @Test func describesACheckpoint() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("ckpt.h5")
        try sampleCheckpoint().write(to: url)
        let report = try Inspection.report(for: url, recipeLines: 2)
        let lines = report.split(separator: "\n").map(String.init)
        #expect(lines[0] == url.path)
        #expect(lines.contains("  format:     alip-checkpoint, version 1 (framework 0.1.0)"))
        #expect(lines.contains("  step:       7"))
        #expect(lines.contains("  created:    2025-01-31T12:00:00Z"))
        // 8·3·4·4 + 24·8 + 1 + 8·6 + 10 = 635
        #expect(lines.contains("  parameters: 635 in 5 tensors"))
        #expect(lines.contains { $0.hasPrefix("    visual.conv1.weight ") && $0.hasSuffix("  [8, 3, 4, 4]") })
        #expect(lines.contains { $0.hasPrefix("    logit_scale ") && $0.hasSuffix("  []") })
        #expect(lines.contains("  optimizer:  lr=0.001, name=adamw, step=7"))
        #expect(lines.contains("    5 parameters, slots: exp_avg, exp_avg_sq (1,270 values)"))
        #expect(lines.contains("    gates/lcg.momentum = 0.9876543210123"))
        #expect(lines.contains("    rng = words[4] [0x0, 0x1, 0xffffffffffffffff, 0xdeadbeef01234567]"))
        #expect(lines.contains("  recipe:     first 2 of 4 lines"))
        #expect(lines.suffix(2) == ["    | model:", "    |   type: clip"])
    }

    @Test func describesAnOpenCLIPExport() throws {
        let url = FixturePaths.file("tiny-a.h5")
        let report = try Inspection.report(for: url)
        #expect(report.contains("  format:     open_clip export (/params state dict)"))
        #expect(report.contains("  config:     {\"seed\": 1234"))
        #expect(report.contains("    visual.conv1.weight"))
        #expect(report.contains("[192, 64]"))
    }

    @Test func badFilesThrowTheReadersError() throws {
        let error = #expect(throws: HDF5Error.self) {
            try Inspection.report(for: URL(fileURLWithPath: "/nonexistent-alip-folder/x.h5"))
        }
        #expect(error?.description == "/nonexistent-alip-folder/x.h5: no such file; check the path")
    }

    @Test func groupsThousands() {
        #expect(Inspection.grouped(0) == "0")
        #expect(Inspection.grouped(999) == "999")
        #expect(Inspection.grouped(1000) == "1,000")
        #expect(Inspection.grouped(151_277_313) == "151,277,313")
    }
}
