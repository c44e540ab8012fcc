import Foundation
import Testing
import TestSupport

/// `alip train`, `inspect` and `eval` on the tiny recipe, through the built executable.
@Suite("alip train, inspect, eval")
struct CLITrainTests {
    /// Train, inspect the checkpoint, evaluate it (same numbers as summary.json), then refuse to train
    /// over the finished run without deleting anything.
    @Test func trainInspectEvalAndRefuseToOverwrite() throws {
        let run = try CLIWorkspace.path("runs/train")
        let r = try CLIWorkspace.alip(["train", "tiny.yaml", "--out", "runs/train", "--json"])
        #expect(r.status == 0, "\(r.transcript)")
        let printed = try jsonNumbers(r.stdout)
        #expect(printed["train.steps"] == 6)
        for name in ["recipe.yaml", "metrics.jsonl", "summary.json", "checkpoints"] {
            #expect(names(in: run).contains(name), "\(names(in: run))")
        }
        #expect(names(in: run).contains { $0.hasPrefix("events.out.tfevents.") })
        let checkpoints = names(in: run.appendingPathComponent("checkpoints"))
        #expect(checkpoints == ["step-0000004.h5", "step-0000006.h5"])
        let summary = try summaryNumbers(run)
        #expect(summary["retrieval.i2t.r1"] != nil && summary["zero-shot.top1"] != nil, "\(summary.keys.sorted())")

        let last = "runs/train/checkpoints/step-0000006.h5"
        let inspect = try CLIWorkspace.alip(["inspect", last])
        #expect(inspect.status == 0, "\(inspect.transcript)")
        #expect(inspect.stdout.contains("step:       6"), "\(inspect.stdout)")
        #expect(inspect.stdout.contains("alip-checkpoint"))
        #expect(inspect.stdout.contains("name: cli-tiny"), "\(inspect.stdout)")

        let eval = try CLIWorkspace.alip(["eval", last, "--json"])
        #expect(eval.status == 0, "\(eval.transcript)")
        // (Without throwing, so the checks below run even when eval fails.)
        let metrics = (try? jsonNumbers(eval.stdout)) ?? [:]
        let keys = metrics.keys.filter { !$0.hasPrefix("noise-detection") }.sorted()
        #expect(keys.contains("retrieval.i2t.r1") && keys.contains("zero-shot.top1"), "\(keys)")
        for k in keys { #expect(metrics[k] == summary[k], "\(k): eval \(metrics[k]!) vs summary \(summary[k] ?? .nan)") }

        // Training again into the same folder: a clear error, nothing deleted or rewritten.
        let before = try Data(contentsOf: run.appendingPathComponent("summary.json"))
        let again = try CLIWorkspace.alip(["train", "tiny.yaml", "--out", "runs/train"])
        #expect(again.status == 1, "\(again.transcript)")
        #expect(again.stderr.contains("already holds a run"), "\(again.stderr)")
        #expect(again.stderr.contains("--resume"), "\(again.stderr)")
        #expect(names(in: run.appendingPathComponent("checkpoints")) == checkpoints)
        #expect(try Data(contentsOf: run.appendingPathComponent("summary.json")) == before)
    }

    @Test func aBadKeyFailsBeforeCreatingTheRunFolder() throws {
        let r = try CLIWorkspace.alip(["train", "tiny.yaml", "--set", "train.stepz=5", "--out", "runs/bad-key"])
        #expect(r.status == 1, "\(r.transcript)")
        #expect(r.stderr.contains("stepz"), "\(r.stderr)")
        #expect(r.stderr.contains("did you mean 'steps'?"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: try CLIWorkspace.path("runs/bad-key").path))
    }

    /// Ctrl-C (SIGINT) finishes the step, saves a checkpoint and exits with status 130.
    @Test func ctrlCSavesACheckpointAndExits130() throws {
        let run = try CLIWorkspace.path("runs/interrupt")
        let metrics = run.appendingPathComponent("metrics.jsonl")
        var sent = false
        let r = try CLIWorkspace.alip(["train", "tiny.yaml", "--out", "runs/interrupt", "--set", "train.steps=100000",
                                       "--set", "train.checkpoint_every=100000"]) { process in
            // Once a metrics line is written the loop runs (and the handler is installed): interrupt it.
            let size = (try? FileManager.default.attributesOfItem(atPath: metrics.path)[.size] as? Int) ?? 0
            guard size > 0 else { return true }
            process.interrupt()
            sent = true
            return false
        }
        #expect(sent)
        #expect(r.status == 130, "\(r.transcript)")
        #expect(r.stderr.contains("interrupted at step"), "\(r.stderr)")
        let saved = names(in: run.appendingPathComponent("checkpoints"))
        #expect(saved.count == 1, "\(saved)")
        #expect(!names(in: run).contains("summary.json"))
    }

    /// The plugin gate (`threshold-lcg` from Plugins/ThresholdGate) trains from a recipe.
    @Test func thePluginGateTrains() throws {
        let r = try CLIWorkspace.alip(["train", "tiny.yaml", "--set", "objective.gates.sample.type=threshold-lcg",
                                       "--set", "train.steps=4", "--out", "runs/plugin", "--json"])
        #expect(r.status == 0, "\(r.transcript)")
        #expect(try jsonNumbers(r.stdout)["train.steps"] == 4)
        let recipe = try String(contentsOf: CLIWorkspace.path("runs/plugin/recipe.yaml"), encoding: .utf8)
        #expect(recipe.contains("threshold-lcg"), "\(recipe)")
    }
}
