import ALIP
import Checkpoint
import Foundation
import Recipes
import Testing
import TestSupport

/// End-to-end training through `RecipeRun.train` on the shipped recipes, made tiny by overrides.
@Suite("RecipeRun training end to end")
struct RecipeRunTrainingTests {
    /// A 30-step run of `Recipes/alip.yaml` / `Recipes/clip.yaml` writes the whole run folder, its loss falls,
    /// and `RecipeRun.evaluate` on the final checkpoint reproduces `summary.json`.
    @Test(arguments: ["alip.yaml", "clip.yaml"])
    func trainsAndWritesTheRunFolder(_ file: String) throws {
        let scratch = try ScratchFolder("e2e-train")
        defer { scratch.remove() }
        let recipe = try TinyRecipe.load(file, steps: 30, logEvery: 5, checkpointEvery: 10, keep: 2, linearProbe: true,
                                         extra: ["seed=1", "schedule={type: constant}", "optimizer.lr=3.0e-3", "optimizer.weight_decay=0.0"])
        let folder = scratch.path("run")
        let summary = try quietTrain(recipe, in: folder)
        let run = RunDirectory(folder)

        #expect(!summary.interrupted)
        #expect(summary.steps == 30)
        #expect(try String(contentsOf: run.recipe, encoding: .utf8) == recipe.yaml)
        // Only the newest `keep_checkpoints` (2) of steps 10, 20, 30.
        #expect(run.existingCheckpoints().map(\.lastPathComponent) == ["step-0000020.h5", "step-0000030.h5"])
        #expect(summary.checkpoint?.lastPathComponent == "step-0000030.h5")
        let events = scratch.contents(of: "run").filter { $0.hasPrefix("events.out.tfevents.") }
        #expect(events.count == 1)
        if let e = events.first {
            let size = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(e).path)[.size] as? Int
            #expect((size ?? 0) > 100)
        }

        // One line per log_every.
        let lines = try MetricsLog.read(run.metrics)
        #expect(lines.map(\.step) == [5, 10, 15, 20, 25, 30])
        for l in lines { #expect(l.metrics["loss"]?.isFinite == true && l.metrics["lr"] != nil) }
        let first = try #require(lines.first?.metrics["loss"]), last = try #require(lines.last?.metrics["loss"])
        if file == "clip.yaml" {
            // InfoNCE over a batch of 16 sits at ln 16 ≈ 2.773 at chance; after a plateau there the loss
            // falls (seed 1: about 2.98 → 2.45 over the 30 steps). The ALIP total is gate-weighted and rises
            // while the gates open, so it is not a measure of learning.
            #expect(last < log(16) - 0.2 && last < first - 0.3, "loss \(lines.map { $0.metrics["loss"]! })")
        } else {
            let w = lines.compactMap { $0.metrics["gate.sample.weight.mean"] }
            #expect(w.count == lines.count && w.allSatisfy { $0 > 0 && $0 <= 1 }, "gate.sample.weight.mean: \(w)")
        }

        // summary.json holds the evaluator metrics and the training figures.
        let written = try Trainer.readSummary(run.summary)
        for key in ["retrieval.i2t.r1", "retrieval.t2i.r1", "zero-shot.top1", "linear-probe.top1", "train.steps", "train.loss"] {
            #expect(written[key] != nil, "summary.json lacks \(key): \(written.keys.sorted())")
        }
        #expect(written["train.steps"] == 30)
        for (k, v) in summary.metrics where v.isFinite { #expect(written[k] == v, "\(k)") }
        if file == "alip.yaml" { #expect(written["noise-detection.auc"] != nil, "\(written.keys.sorted())") }

        // The evaluators on the final checkpoint give the same numbers (same model, same data).
        let evaluated = try RecipeRun.evaluate(checkpoint: try #require(summary.checkpoint), registry: .builtin, notes: { _ in })
        let evaluatorKeys = evaluated.keys.filter { !$0.hasPrefix("noise-detection") }.sorted()
        #expect(evaluatorKeys.contains("retrieval.i2t.r1") && evaluatorKeys.contains("linear-probe.top1"))
        for k in evaluatorKeys where evaluated[k]!.isFinite {
            #expect(evaluated[k] == written[k], "\(k): eval \(evaluated[k]!) vs summary \(written[k] ?? .nan)")
        }
    }

    /// `RecipeRun.evaluate` when the training manifest of the checkpoint's recipe is gone: the error
    /// names it and says how to point at a copy, and `--set data.train.path=` does.
    @Test func evaluateSaysHowToFindAMovedTrainingSet() throws {
        let scratch = try ScratchFolder("e2e-moved")
        defer { scratch.remove() }
        let copy = scratch.path("data")
        try FileManager.default.copyItem(at: try TinyData.folder(), to: copy)
        let recipe = try TinyRecipe.load("clip.yaml", steps: 2, logEvery: 1, checkpointEvery: 2,
                                         extra: ["data.train.path=\(copy.appendingPathComponent("train.tsv").path)"])
        let summary = try quietTrain(recipe, in: scratch.path("run"))
        let checkpoint = try #require(summary.checkpoint)
        try FileManager.default.removeItem(at: copy)
        do {
            _ = try RecipeRun.evaluate(checkpoint: checkpoint, registry: .builtin, notes: { _ in })
            Issue.record("evaluate succeeded without its training manifest")
        } catch {
            let text = "\(error)"
            #expect(text.contains("data.train") && text.contains("train.tsv") && text.contains("--set data.train.path=FILE"), "\(text)")
        }
        let evaluated = try RecipeRun.evaluate(checkpoint: checkpoint, overrides: ["data.train.path=\(try TinyData.train())"],
                                               registry: .builtin, notes: { _ in })
        #expect(evaluated["retrieval.i2t.r1"] != nil)
    }

    /// The same seed gives bit-identical parameters; another seed gives different ones.
    @Test func sameSeedSameParameters() throws {
        let scratch = try ScratchFolder("e2e-seed")
        defer { scratch.remove() }
        func train(seed: Int, _ name: String) throws -> [String: [UInt32]] {
            let recipe = try TinyRecipe.load("clip.yaml", steps: 6, logEvery: 3, checkpointEvery: 100, extra: ["seed=\(seed)"])
            var trained: Trainer?
            try quietTrain(recipe, in: scratch.path(name)) { trained = $0 }
            return parameterBits(try #require(trained).setup.model.namedParameters())
        }
        let a = try train(seed: 3, "a"), b = try train(seed: 3, "b"), c = try train(seed: 4, "c")
        #expect(!a.isEmpty)
        #expect(a == b)
        #expect(a != c)
        // Every tensor drawn at initialisation differs with the seed (logit_scale starts at a constant).
        #expect(a.keys.filter { a[$0] != c[$0] }.count > a.count / 2)
    }

    /// A run interrupted at step 6 (the Ctrl-C path) and resumed — from the interrupt's checkpoint or from the
    /// older step-4 one — ends with the same parameters, optimizer moments, gate EMAs, data position and log
    /// as a run that was never interrupted.
    @Test(arguments: [6, 4])
    func resumeIsExact(resumeFrom: Int) throws {
        let scratch = try ScratchFolder("e2e-resume")
        defer { scratch.remove() }
        let recipe = try TinyRecipe.load("alip.yaml", steps: 12, logEvery: 2, checkpointEvery: 4, keep: 3)
        let whole = RunDirectory(scratch.path("whole")), parts = RunDirectory(scratch.path("parts"))
        try quietTrain(recipe, in: whole.url)

        let flag = InterruptFlag()
        let first = try quietTrain(recipe, in: parts.url) { trainer in
            trainer.interrupt = flag
            trainer.afterStep = { step in if step == 6 { flag.raise() } }
        }
        #expect(first.interrupted)
        #expect(first.steps == 6)
        #expect(first.checkpoint?.lastPathComponent == "step-0000006.h5")
        #expect(parts.existingCheckpoints().map(\.lastPathComponent) == ["step-0000004.h5", "step-0000006.h5"])
        #expect(!parts.isFinished)
        #expect(try loggedSteps(parts) == [2, 4, 6])

        let log = LogLines()
        let resumed = try quietTrain(recipe, in: parts.url, resume: parts.checkpoint(step: resumeFrom), log: log)
        #expect(!resumed.interrupted)
        #expect(resumed.steps == 12)
        #expect(log.lines.contains { $0.hasPrefix("resumed at step \(resumeFrom)") }, "\(log.lines)")

        let a = try Checkpoint.read(from: whole.checkpoint(step: 12)), b = try Checkpoint.read(from: parts.checkpoint(step: 12))
        #expect(a.step == 12 && b.step == 12)
        #expect(differingTensors(a.modelByName, b.modelByName).isEmpty)
        #expect(Set(a.optimizer.keys) == Set(b.optimizer.keys))
        for (name, slots) in a.optimizer {
            #expect(differingTensors(slots, b.optimizer[name] ?? [:]).isEmpty, "optimizer state of \(name)")
        }
        #expect(a.optimizerAttributes == b.optimizerAttributes)
        let gateState = a.state.keys.filter { $0.hasPrefix("objective/") }
        #expect(!gateState.isEmpty, "the ALIP recipe's gates keep EMAs: \(a.state.keys.sorted())")
        #expect(a.state == b.state)

        // The log continues without duplicated steps and with the same values.
        let wholeLog = try MetricsLog.read(whole.metrics), partsLog = try MetricsLog.read(parts.metrics)
        #expect(partsLog.map(\.step) == [2, 4, 6, 8, 10, 12])
        #expect(partsLog.map(\.step) == wholeLog.map(\.step))
        for (x, y) in zip(wholeLog, partsLog) {
            #expect(x.metrics["loss"] == y.metrics["loss"], "loss at step \(x.step)")
            #expect(x.metrics["lr"] == y.metrics["lr"], "lr at step \(x.step)")
        }
        let s1 = try Trainer.readSummary(whole.summary), s2 = try Trainer.readSummary(parts.summary)
        for k in s1.keys where !k.hasPrefix("train.seconds") && !k.hasPrefix("train.samples_per_s") {
            #expect(s1[k] == s2[k], "summary \(k)")
        }
    }

    /// A non-finite loss stops the run, naming the step and the last good checkpoint, which stays as it was.
    @Test func nonFiniteLossKeepsTheLastGoodCheckpoint() throws {
        let scratch = try ScratchFolder("e2e-nan")
        defer { scratch.remove() }
        let recipe = try TinyRecipe.load("clip.yaml", steps: 12, logEvery: 2, checkpointEvery: 4, keep: 3)
        let run = RunDirectory(scratch.path("run"))
        var savedBytes: Data?
        var poisoned: String?
        let error = #expect(throws: TrainingError.self) {
            try quietTrain(recipe, in: run.url) { trainer in
                trainer.afterStep = { [unowned trainer] step in
                    guard step == 4 else { return }
                    savedBytes = try? Data(contentsOf: run.checkpoint(step: 4))
                    let p = trainer.setup.model.namedParameters().first { $0.name == "text_projection" }
                    p?.tensor.data[0] = .nan
                    poisoned = p?.name
                }
            }
        }
        #expect(poisoned == "text_projection")
        let message = error?.message ?? ""
        #expect(message.contains("step 5"), "\(message)")
        #expect(message.contains(run.checkpoint(step: 4).path), "\(message)")
        // Nothing newer was written; the checkpoint is byte for byte what it was, readable and finite.
        #expect(run.existingCheckpoints() == [run.checkpoint(step: 4)])
        #expect(!run.isFinished)
        let bytes = try #require(savedBytes)
        #expect(try Data(contentsOf: run.checkpoint(step: 4)) == bytes)
        let ckpt = try Checkpoint.read(from: run.checkpoint(step: 4))
        #expect(ckpt.step == 4)
        #expect(ckpt.model.allSatisfy { $0.tensor.data.allSatisfy(\.isFinite) })
        #expect(try loggedSteps(run) == [2, 4])
    }
}
