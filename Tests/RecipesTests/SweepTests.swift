import Foundation
import Testing
import Components
@testable import Recipes

@Suite struct SweepTests {
    private func sweepFolder(_ sweep: String) -> RecipeFolder {
        let f = RecipeFolder()
        f.write("base.yaml", baseRecipe)
        f.write("gates.yaml", "extends: base.yaml\n" + sweep)
        return f
    }

    @Test func gridZipRepeatExpandAndName() throws {
        let f = sweepFolder("""
        sweep:
          grid:
            objective.gates.sample.type: [none, lcg]
            data.noise.rate: [0.0, 0.4]
          repeat: 2
          report: {metrics: [retrieval.i2t.r1]}
        data: {noise: {type: swap-raw-text}}
        """)
        let r = try f.load("gates.yaml")
        let sweep = try #require(r.sweep)
        #expect(sweep.count == 8)
        #expect(sweep.metrics == ["retrieval.i2t.r1"])
        let vs = try RecipeLoader.variants(of: r, registry: Fakes.registry, checks: [])
        #expect(vs.map(\.name) == [
            "gates.sample.type=none,noise.rate=0.0,seed=3", "gates.sample.type=none,noise.rate=0.0,seed=4",
            "gates.sample.type=none,noise.rate=0.4,seed=3", "gates.sample.type=none,noise.rate=0.4,seed=4",
            "gates.sample.type=lcg,noise.rate=0.0,seed=3", "gates.sample.type=lcg,noise.rate=0.0,seed=4",
            "gates.sample.type=lcg,noise.rate=0.4,seed=3", "gates.sample.type=lcg,noise.rate=0.4,seed=4",
        ])
        #expect(vs[1].group == "gates.sample.type=none,noise.rate=0.0")
        #expect(vs[1].recipe.seed == 4)
        #expect(vs[2].recipe.value(at: "data.noise.rate") == .double(0.4))
        #expect(vs[0].recipe.value(at: "objective.gates.sample") == .map(["type": .string("none")]))
        // Back to lcg keeps the base's parameters.
        #expect(vs[4].recipe.value(at: "objective.gates.sample.momentum") == .double(0.99))
        #expect(vs[4].recipe.sweep == nil)
        #expect(!vs[4].recipe.yaml.contains("sweep"))
    }

    @Test func zipTakesValuesInStep() throws {
        let f = sweepFolder("""
        sweep:
          zip:
            train.steps: [10, 20, 30]
            optimizer.lr: [0.1, 0.2, 0.3]
        """)
        let vs = try RecipeLoader.variants(of: try f.load("gates.yaml"), registry: Fakes.registry, checks: [])
        #expect(vs.map(\.name) == ["steps=10,lr=0.1", "steps=20,lr=0.2", "steps=30,lr=0.3"])
        #expect(vs[2].recipe.value(at: "optimizer.lr") == .double(0.3))
    }

    @Test func componentValuedAxesAreNamedByTypeAndValues() throws {
        let f = sweepFolder("""
        sweep:
          zip:
            objective.gates.sample: [{type: none}, {type: lcg, momentum: 0.9}, {type: lcg, momentum: 0.5}]
        """)
        let vs = try RecipeLoader.variants(of: try f.load("gates.yaml"), registry: Fakes.registry, checks: [])
        #expect(vs.map(\.name) == ["gates.sample=none", "gates.sample=lcg-0.9", "gates.sample=lcg-0.5"])
        #expect(vs[2].recipe.value(at: "objective.gates.sample.momentum") == .double(0.5))
    }

    @Test func namesStayUniqueAndSafe() {
        #expect(SweepNaming.shortKeys(["a.rate", "b.rate", "c.x"]) == ["a.rate": "a.rate", "b.rate": "b.rate", "c.x": "x"])
        #expect(SweepNaming.sanitize("a/b c:d") == "a_b_c_d")
        #expect(SweepNaming.sanitize("..") == "_..")
        let long = String(repeating: "k=v,", count: 60)
        #expect(SweepNaming.fit(long).count == 117)
        #expect(SweepNaming.fit(long) == SweepNaming.fit(long))
        #expect(SweepNaming.fit(long) != SweepNaming.fit(long + "x"))
    }

    @Test func everyVariantValidatesBeforeAnyRuns() throws {
        let f = sweepFolder("""
        sweep:
          grid:
            objective.gates.sampel.type: [none, lcg]
            objective.gates.pair.momentum: [0.5, 2.0]
        """)
        let r = try f.load("gates.yaml")
        do {
            _ = try RecipeLoader.variants(of: r, registry: Fakes.registry, checks: [])
            Issue.record("expected errors")
        } catch let e as RecipeErrors {
            #expect(e.render(relativeTo: f.url) == """
            gates.yaml:4:5: error: unknown key 'sampel' in 'objective.gates'
                objective.gates.sampel.type: [none, lcg]
                ^
            note: did you mean 'sample'? valid keys: sample, pair
            note: 'objective.gates' comes from base.yaml:14:3 (extends)
            note: in sweep variant 'gates.sampel.type=none,gates.pair.momentum=0.5' and 3 more
            gates.yaml:5:42: error: 2.0 is out of range for 'objective.gates.pair.momentum': expected between 0 and 1
                objective.gates.pair.momentum: [0.5, 2.0]
                                                     ^
            note: 'objective.gates.pair' comes from base.yaml:16:5 (extends)
            note: in sweep variant 'gates.sampel.type=none,gates.pair.momentum=2.0' and 1 more
            """)
        }
    }

    @Test func sweepBlockErrors() {
        let f = sweepFolder("""
        sweep:
          grid: {train.steps: 5}
          zip: {optimizer.lr: [0.1, 0.2], train.batch_size: [1]}
          repeats: 2
        """)
        #expect(f.errors("gates.yaml") == """
        gates.yaml:5:3: error: unknown key 'repeats' in 'sweep'
          repeats: 2
          ^
        note: did you mean 'repeat'? valid keys: grid, zip, repeat, report
        gates.yaml:3:23: error: expected a non-empty list of values for sweep axis 'train.steps'
          grid: {train.steps: 5}
                              ^
        note: write train.steps: [a, b, …]
        gates.yaml:4:35: error: zip axes must have equal lengths: 'train.batch_size' has 1 values, 'optimizer.lr' has 2
          zip: {optimizer.lr: [0.1, 0.2], train.batch_size: [1]}
                                          ^
        """)
    }

    @Test func runnerSkipsFinishedRunsAndReports() throws {
        let f = sweepFolder("""
        sweep:
          grid:
            objective.gates.sample.type: [none, lcg]
            data.noise.rate: [0.0, 0.4]
          repeat: 2
          report: {metrics: [retrieval.i2t.r1, zero-shot.top1]}
        data: {noise: {type: swap-raw-text}}
        """)
        let r = try f.load("gates.yaml")
        let vs = try RecipeLoader.variants(of: r, registry: Fakes.registry, checks: [])
        let out = f.url.appendingPathComponent("runs")
        // A fake trainer: a metric from the settings, so the report's numbers are known.
        let trainer: SweepRunVariant = { recipe, dir in
            let rate = recipe.value(at: "data.noise.rate")?.number ?? -1
            let lcg = recipe.value(at: "objective.gates.sample.type") == .string("lcg") ? 0.1 : 0
            let r1 = 0.5 - rate / 2 + lcg + Double(recipe.seed - 3) * 0.02
            try #"{"retrieval.i2t.r1": \#(r1), "zero-shot.top1": 0.25, "note": "x"}"#.write(to: dir.appendingPathComponent("summary.json"), atomically: true, encoding: .utf8)
        }
        // Stop after three runs: the fourth throws.
        let counter = Counter()
        let first = try SweepRunner.run(vs, in: out, jobs: 2, log: { _ in }) { recipe, dir in
            guard counter.next() < 3 else { throw ComponentError(path: "", "interrupted") }
            try trainer(recipe, dir)
        }
        #expect(first.ran.count == 3)
        #expect(first.failed.count == 5)
        let second = try SweepRunner.run(vs, in: out, jobs: 3, log: { _ in }, runVariant: trainer)
        #expect(second.skipped.count == 3)
        #expect(second.ran.count == 5)
        #expect(second.failed.isEmpty)
        let third = try SweepRunner.run(vs, in: out, log: { _ in }, runVariant: { _, _ in Issue.record("ran a finished run") })
        #expect(third.skipped.count == 8)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(vs[0].name).appendingPathComponent("recipe.yaml").path))

        let report = SweepReport.collect(vs, in: out, metrics: r.sweep!.metrics)
        try report.write(to: out, title: "gates")
        let md = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(md == """
        # Sweep report: gates

        Mean ± sample standard deviation over repeats; `runs` counts finished runs.

        | objective.gates.sample.type | data.noise.rate | runs | retrieval.i2t.r1 | zero-shot.top1 |
        |---|---|---|---|---|
        | none | 0.0 | 2/2 | 0.5100 ± 0.0141 | 0.2500 ± 0.0000 |
        | none | 0.4 | 2/2 | 0.3100 ± 0.0141 | 0.2500 ± 0.0000 |
        | lcg | 0.0 | 2/2 | 0.6100 ± 0.0141 | 0.2500 ± 0.0000 |
        | lcg | 0.4 | 2/2 | 0.4100 ± 0.0141 | 0.2500 ± 0.0000 |

        """)
        let csv = try String(contentsOf: out.appendingPathComponent("report.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").first == "objective.gates.sample.type,data.noise.rate,runs,finished,retrieval.i2t.r1,retrieval.i2t.r1.std,zero-shot.top1,zero-shot.top1.std")
        #expect(csv.split(separator: "\n")[3] == "lcg,0.0,2,2,0.6100,0.0141,0.2500,0.0000")
        let svg = try String(contentsOf: out.appendingPathComponent("report.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 4)  // 2 series × 2 metrics
        #expect(svg.contains(">data.noise.rate=0.0<") && svg.contains(">objective.gates.sample.type<"))
        let html = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(html.contains("<td>0.6100 ± 0.0141</td>") && html.contains("<svg"))
    }

    @Test func brokenSummaryIsAWarning() throws {
        let f = sweepFolder("sweep: {grid: {train.steps: [1, 2]}}\n")
        let vs = try RecipeLoader.variants(of: try f.load("gates.yaml"), registry: Fakes.registry, checks: [])
        let out = f.url.appendingPathComponent("runs")
        for v in vs { try FileManager.default.createDirectory(at: SweepRunner.runDirectory(v, in: out), withIntermediateDirectories: true) }
        try "[1, 2".write(to: SweepRunner.runDirectory(vs[0], in: out).appendingPathComponent("summary.json"), atomically: true, encoding: .utf8)
        try #"{"acc": 0.5}"#.write(to: SweepRunner.runDirectory(vs[1], in: out).appendingPathComponent("summary.json"), atomically: true, encoding: .utf8)
        let report = SweepReport.collect(vs, in: out, metrics: [])
        #expect(report.metrics == ["acc"])
        #expect(report.warnings.count == 1)
        #expect(report.rows.map(\.finished) == [0, 1])
        #expect(report.csv() == "train.steps,runs,finished,acc,acc.std\n1,1,0,,\n2,1,1,0.5000,\n")
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func next() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n - 1 }
}
