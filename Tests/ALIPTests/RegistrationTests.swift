import ALIP
import Foundation
import Testing

@Suite struct RegistrationTests {
    let context = BuildContext(registry: .builtin, baseDirectory: URL(fileURLWithPath: "/"), seed: 0)

    @Test func namesAreUniquePerSlotAndDocumented() {
        var seen = Set<String>()
        for (slot, t) in ALIPComponents.entries {
            #expect(seen.insert("\(slot.rawValue).\(t.typeName)").inserted)
            for p in t.parameters { #expect(!p.doc.isEmpty, "\(t.typeName).\(p.name)") }
        }
        #expect(Registry.builtin.names(.gate) == ["dcg", "lcg", "none"])
        #expect(Registry.builtin.names(.loss) == ["adaptive-infonce", "infonce"])
        #expect(Registry.builtin.names(.objective) == ["alip", "clip"])
        #expect(Registry.builtin.names(.optimizer) == ["adamw", "sgd"])
    }

    @Test func buildsTheAlipObjectiveFromARecipeTree() throws {
        let value = ConfigValue.map([
            "type": .string("alip"),
            "paths": .list([.string("raw"), .string("caption")]),
            "gates": .map(["sample": .map(["type": .string("lcg"), "momentum": .double(0.9)]),
                           "pair": .map(["type": .string("dcg"), "cap": .double(2), "condition": .string("always")])]),
            "loss": .map(["type": .string("adaptive-infonce"), "normalize": .string("weighted-mean")]),
        ])
        let obj: any Objective = try Registry.builtin.make(.objective, value, path: "objective", context: context)
        let alip = try #require(obj as? ALIPObjective)
        let lcg = try #require(alip.sampleGate as? LanguageConsistencyGate)
        #expect(lcg.ema.momentum == 0.9 && lcg.ema.value == 1 && lcg.cap == 1)
        let dcg = try #require(alip.pairGate as? DescriptionConsistencyGate)
        #expect(dcg.cap == 2 && dcg.condition == .always && dcg.momentum == 0.99)
        #expect((alip.lossFunction as? AdaptiveInfoNCELoss)?.normalize == .weightedMean)
    }

    @Test func defaultsAndErrors() throws {
        let plain: any Objective = try Registry.builtin.make(.objective, .map(["type": .string("alip")]), path: "objective", context: context)
        #expect((plain as? ALIPObjective)?.pairGate is NoGate)
        let onlySample: any Objective = try Registry.builtin.make(
            .objective, .map(["type": .string("alip"), "gates": .map(["sample": .map(["type": .string("lcg")])])]),
            path: "objective", context: context)
        #expect((onlySample as? ALIPObjective)?.pairGate is NoGate)
        let clip: any Objective = try Registry.builtin.make(.objective, .map(["type": .string("clip")]), path: "objective", context: context)
        #expect(clip.textFields == ["raw"])
        let bad = ConfigValue.map(["type": .string("alip"), "gates": .map(["sample": .map(["type": .string("lgc")])])])
        let e1 = #expect(throws: ComponentError.self) { let _: any Objective = try Registry.builtin.make(.objective, bad, path: "objective", context: context) }
        #expect(e1?.description.contains("objective.gates.sample") == true)
        let mismatch = ConfigValue.map(["type": .string("alip"), "gates": .map(["pair": .map(["type": .string("dcg")])]),
                                        "loss": .map(["type": .string("infonce")])])
        let e2 = #expect(throws: ComponentError.self) { let _: any Objective = try Registry.builtin.make(.objective, mismatch, path: "objective", context: context) }
        #expect(e2?.description.contains("adaptive-infonce") == true)
    }
}
