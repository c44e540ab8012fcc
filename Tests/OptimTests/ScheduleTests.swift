import Components
import Foundation
import Optim
import Testing

@Suite struct OneCycleTests {
    let s = OneCycleSchedule()   // the authors' settings: 0.1, 25, 1e4, β1 0.95 ↔ 0.85

    @Test func endpointsAndPeakFollowTorch() {
        // N = 100: phase ends e₁ = 0.1·100 − 1 = 9, e₂ = 99; initial = 1e-3/25, min = initial/1e4.
        let v0 = s.value(step: 0, totalSteps: 100, baseLearningRate: 1e-3)
        #expect(close(v0.learningRate, 4e-5))
        #expect(close(v0.beta1!, 0.95))
        let peak = s.value(step: 9, totalSteps: 100, baseLearningRate: 1e-3)
        #expect(close(peak.learningRate, 1e-3))
        #expect(close(peak.beta1!, 0.85))
        let last = s.value(step: 99, totalSteps: 100, baseLearningRate: 1e-3)
        #expect(close(last.learningRate, 4e-9))
        #expect(close(last.beta1!, 0.95))
    }

    @Test func interiorPointsHandChecked() {
        // step 54: pct = (54 − 9)/(99 − 9) = 0.5 → lr = (1e-3 + 4e-9)/2, β1 = 0.9.
        let mid = s.value(step: 54, totalSteps: 100, baseLearningRate: 1e-3)
        #expect(close(mid.learningRate, 5.00002e-4))
        #expect(close(mid.beta1!, 0.9))
        // step 4: pct = 4/9, lr = 1e-3 + (4e-5 − 1e-3)/2·(cos(80°) + 1) = 4.3664887472e-4 (by hand,
        // cos 80° = 0.17364817766).
        let w = s.value(step: 4, totalSteps: 100, baseLearningRate: 1e-3)
        #expect(close(w.learningRate, 4.3664887472e-4, rel: 1e-9))
        #expect(close(w.beta1!, 0.85 + 0.1 * 0.58682408883, rel: 1e-9))   // 0.95 → 0.85 the same way
    }

    @Test func cycleMomentumOffAndSmallRuns() {
        let off = OneCycleSchedule(cycleMomentum: false)
        #expect(off.value(step: 3, totalSteps: 50, baseLearningRate: 1).beta1 == nil)
        // N = 1 and N = 5 (e₁ < 0): the warm-up phase is empty; no division by zero, values finite.
        for n in [1, 2, 5] {
            for k in 0...n {
                let v = s.value(step: k, totalSteps: n, baseLearningRate: 1)
                #expect(v.learningRate.isFinite && v.learningRate > 0 && v.learningRate <= 1)
            }
        }
        #expect(close(s.value(step: 0, totalSteps: 1, baseLearningRate: 1).learningRate, 1.0 / 25 / 1e4))
    }

    @Test func appliesToOptimizer() {
        let opt = AdamW(lr: 2e-3, betas: (0.9, 0.98))
        s.apply(to: opt, step: 0, totalSteps: 10)
        #expect(close(opt.learningRate, 2e-3 / 25))
        #expect(close(opt.beta1, 0.95))
        #expect(opt.baseLearningRate == 2e-3)
        ConstantSchedule().apply(to: opt, step: 5, totalSteps: 10)
        #expect(opt.learningRate == 2e-3 && close(opt.beta1, 0.95))
    }
}

@Suite struct WarmupScheduleTests {
    @Test func cosineWarmsUpThenDecays() {
        let c = CosineSchedule(warmupSteps: 10)
        #expect(close(c.value(step: 0, totalSteps: 110, baseLearningRate: 1).learningRate, 0.1))
        #expect(close(c.value(step: 9, totalSteps: 110, baseLearningRate: 1).learningRate, 1))
        #expect(close(c.value(step: 10, totalSteps: 110, baseLearningRate: 1).learningRate, 1))
        #expect(close(c.value(step: 60, totalSteps: 110, baseLearningRate: 1).learningRate, 0.5))
        #expect(Swift.abs(c.value(step: 110, totalSteps: 110, baseLearningRate: 1).learningRate) < 1e-15)
        let floor = CosineSchedule(warmupSteps: 10, minLearningRate: 0.1)
        #expect(close(floor.value(step: 60, totalSteps: 110, baseLearningRate: 1).learningRate, 0.55))
        #expect(c.value(step: 60, totalSteps: 110, baseLearningRate: 1).beta1 == nil)
        // warm-up longer than the run: still finite
        #expect(CosineSchedule(warmupSteps: 50).value(step: 9, totalSteps: 10, baseLearningRate: 1).learningRate == 0.2)
    }

    @Test func linearAndConstant() {
        let l = LinearSchedule(warmupSteps: 0, minLearningRate: 0)
        #expect(close(l.value(step: 5, totalSteps: 10, baseLearningRate: 1).learningRate, 0.5))
        #expect(close(LinearSchedule(warmupSteps: 4, minLearningRate: 0.2).value(step: 7, totalSteps: 10, baseLearningRate: 1).learningRate,
                      1 + (0.2 - 1) * 0.5))
        #expect(close(LinearSchedule(warmupSteps: 4).value(step: 1, totalSteps: 10, baseLearningRate: 1).learningRate, 0.5))
        #expect(ConstantSchedule().value(step: 7, totalSteps: 10, baseLearningRate: 0.3).learningRate == 0.3)
        #expect(close(ConstantSchedule(warmupSteps: 4).value(step: 0, totalSteps: 10, baseLearningRate: 1).learningRate, 0.25))
    }
}

@Suite struct OptimRegistrationTests {
    let registry = Registry(origin: "test", OptimComponents.entries)
    let context = BuildContext(registry: Registry(), baseDirectory: URL(fileURLWithPath: "/"), seed: 0)

    @Test func buildsFromRecipeValues() throws {
        let value = ConfigValue.map(["type": .string("adamw"), "lr": .double(5e-4), "betas": .list([.double(0.9), .double(0.98)]),
                                     "eps": .double(1e-6), "weight_decay": .double(0.1)])
        let opt: AdamW = try registry.make(.optimizer, value, path: "optimizer", context: context)
        #expect(opt.baseLearningRate == 5e-4 && opt.beta1 == 0.9 && opt.beta2 == 0.98 && opt.eps == 1e-6)
        #expect(!opt.excludeFromDecay)
        let sched: any LearningRateSchedule = try registry.make(.schedule, .map(["type": .string("one-cycle")]), path: "schedule", context: context)
        #expect((sched as? OneCycleSchedule)?.warmupFraction == 0.1)
        #expect(registry.names(.schedule) == ["constant", "cosine", "linear", "one-cycle"])
    }

    @Test func badValuesThrowWithTheKey() {
        let value = ConfigValue.map(["type": .string("adamw"), "betas": .list([.double(0.9)])])
        let e1 = #expect(throws: ComponentError.self) { let _: AdamW = try registry.make(.optimizer, value, path: "optimizer", context: context) }
        #expect(e1?.description.contains("optimizer.betas") == true)
        let sgd = ConfigValue.map(["type": .string("sgd"), "nesterov": .bool(true)])
        let e2 = #expect(throws: ComponentError.self) { let _: SGD = try registry.make(.optimizer, sgd, path: "optimizer", context: context) }
        #expect(e2?.description.contains("momentum") == true)
    }

    @Test func everyParameterHasADoc() {
        for (_, t) in OptimComponents.entries { for p in t.parameters { #expect(!p.doc.isEmpty, "\(t.typeName).\(p.name)") } }
    }
}
