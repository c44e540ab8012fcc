import Foundation
import Testing
import Components
@testable import Recipes

/// Exact error text for the common mistakes (the message format is part of the user interface).
@Suite struct DiagnosticSnapshotTests {
    @Test func unknownKeyThroughExtends() throws {
        let f = RecipeFolder()
        f.write("Recipes/base.yaml", baseRecipe)
        f.write("Recipes/alip.yaml", """
        extends: base.yaml
        name: alip
        objective:
          type: alip
          gates: {sample: {type: lcg}}
        """)
        f.write("Recipes/ablations/gates.yaml", """
        extends: ../alip.yaml
        objective:
          gates:
            sample:
              momentm: 0.99
        """)
        #expect(f.errors("Recipes/ablations/gates.yaml") == """
        Recipes/ablations/gates.yaml:5:7: error: unknown key 'momentm' for gate 'lcg'
              momentm: 0.99
              ^
        note: did you mean 'momentum'? valid keys: momentum, ema_init, gamma, cap
        note: 'objective.gates.sample' comes from Recipes/base.yaml:15:5 (extends)
        """)
    }

    @Test func allErrorsAtOnce() throws {
        let f = RecipeFolder()
        f.write("r.yaml", """
        name: bad
        seeds: 1
        data:
          train: {type: manifset, path: a.tsv}
          eval: [{type: retrieval}]
        tokenizer: {type: bpe, vocab_size: many}
        model: {type: dual-encoder, image: {type: vit, act: gelu2}}
        objective: {type: alip, gates: {sample: {type: lgc}, pair: {type: dcg, momentum: 1.5}}}
        optimizer: {type: adamw, betas: 0.9}
        schedule: {type: one_cycle}
        train: {batch_size: 0, steps: "10"}
        """)
        #expect(f.errors("r.yaml") == """
        r.yaml:2:1: error: unknown key 'seeds' at the top level of the recipe
        seeds: 1
        ^
        note: did you mean 'seed'? valid keys: extends, name, seed, plugins, data, tokenizer, model, objective, optimizer, schedule, train, sweep
        r.yaml:4:17: error: unknown dataset 'manifset' for 'data.train'
          train: {type: manifset, path: a.tsv}
                        ^
        note: did you mean 'manifest'? registered dataset types: manifest
        r.yaml:5:10: error: missing required key 'path' for evaluator 'retrieval'
          eval: [{type: retrieval}]
                 ^
        note: 'path' (file): test manifest
        r.yaml:6:36: error: expected an int for 'tokenizer.vocab_size', got 'many'
        tokenizer: {type: bpe, vocab_size: many}
                                           ^
        r.yaml:7:53: error: unknown value 'gelu2' for 'model.image.act'
        model: {type: dual-encoder, image: {type: vit, act: gelu2}}
                                                            ^
        note: did you mean 'gelu'? valid values: gelu, quick-gelu
        r.yaml:8:48: error: unknown gate 'lgc' for 'objective.gates.sample'
        objective: {type: alip, gates: {sample: {type: lgc}, pair: {type: dcg, momentum: 1.5}}}
                                                       ^
        note: did you mean 'lcg'? registered gate types: dcg, lcg, none
        r.yaml:8:82: error: 1.5 is out of range for 'objective.gates.pair.momentum': expected between 0 and 1
        objective: {type: alip, gates: {sample: {type: lgc}, pair: {type: dcg, momentum: 1.5}}}
                                                                                         ^
        r.yaml:9:33: error: expected a list of numbers for 'optimizer.betas', got '0.9'
        optimizer: {type: adamw, betas: 0.9}
                                        ^
        note: write a list: [a, b]
        r.yaml:10:18: error: unknown schedule 'one_cycle' for 'schedule'
        schedule: {type: one_cycle}
                         ^
        note: did you mean 'one-cycle'? registered schedule types: one-cycle
        r.yaml:11:21: error: 0 is out of range for 'train.batch_size': expected at least 1
        train: {batch_size: 0, steps: "10"}
                            ^
        r.yaml:11:31: error: expected an int for 'train.steps', got the string '10'
        train: {batch_size: 0, steps: "10"}
                                      ^
        note: quoted values are strings; remove the quotes
        """)
    }

    @Test func missingSectionsAndTypes() throws {
        let f = RecipeFolder()
        f.write("r.yaml", """
        name: empty
        data: {train: {path: a.tsv}}
        train: {}
        """)
        #expect(f.errors("r.yaml") == """
        r.yaml:2:15: error: missing 'type:' for the dataset at 'data.train'
        data: {train: {path: a.tsv}}
                      ^
        note: registered dataset types: manifest
        r.yaml:3:8: error: missing required key 'steps' in 'train'
        train: {}
               ^
        note: 'steps' (int): optimizer steps to train
        r.yaml:1:1: error: missing required key 'tokenizer' at the top level of the recipe
        name: empty
        ^
        note: 'tokenizer' (tokenizer): text tokenizer
        r.yaml:1:1: error: missing required key 'model' at the top level of the recipe
        name: empty
        ^
        note: 'model' (model): the image and text encoders
        r.yaml:1:1: error: missing required key 'objective' at the top level of the recipe
        name: empty
        ^
        note: 'objective' (objective): the training objective (clip, alip, …)
        r.yaml:1:1: error: missing required key 'optimizer' at the top level of the recipe
        name: empty
        ^
        note: 'optimizer' (optimizer): the optimizer
        r.yaml:1:1: error: missing required key 'schedule' at the top level of the recipe
        name: empty
        ^
        note: 'schedule' (schedule): the learning-rate schedule
        """)
    }

    @Test func overrideErrorsPointIntoTheOverride() throws {
        let f = RecipeFolder()
        f.write("r.yaml", baseRecipe)
        let text = f.errors("r.yaml", overrides: ["objective.gates.sample.momentm=0.5", "train.steps=lots", "train.steps"])
        #expect(text == """
        --set:1:1: error: an override is written key=value (for example train.steps=500), got 'train.steps'
        train.steps
        ^
        """)
        #expect(f.errors("r.yaml", overrides: ["objective.gates.sample.momentm=0.5", "train.steps=lots"]) == """
        --set:1:24: error: unknown key 'momentm' for gate 'lcg'
        objective.gates.sample.momentm=0.5
                               ^
        note: did you mean 'momentum'? valid keys: momentum, ema_init, gamma, cap
        --set:1:13: error: expected an int for 'train.steps', got 'lots'
        train.steps=lots
                    ^
        """)
    }

    @Test func yamlSyntaxErrorShowsTheLine() throws {
        let f = RecipeFolder()
        f.write("r.yaml", "name: x\ntrain: {steps: 1\nseed: 2\n")
        let text = try #require(f.errors("r.yaml"))
        #expect(text.hasPrefix("r.yaml:3:5: error: YAML syntax error: "))
        f.write("d.yaml", "name: x\nname: y\n")
        #expect(f.errors("d.yaml") == """
        d.yaml:1:1: error: duplicate key 'name' in one mapping
        name: x
        ^
        note: each key may appear once; later files and --set override earlier values
        """)
    }

    @Test func extendsProblems() throws {
        let f = RecipeFolder()
        f.write("a.yaml", "extends: b.yaml\nname: a\n")
        f.write("b.yaml", "extends: [a.yaml]\n")
        #expect(f.errors("a.yaml") == """
        b.yaml:1:11: error: extends cycle: a.yaml → b.yaml → a.yaml
        extends: [a.yaml]
                  ^
        """)
        f.write("c.yaml", "extends: missing.yaml\n")
        #expect(f.errors("c.yaml") == """
        c.yaml:1:10: error: cannot read recipe '\(f.url.path)/missing.yaml': no such file
        extends: missing.yaml
                 ^
        note: paths in 'extends:' are relative to the file that names them
        """)
    }

    @Test func suggestions() {
        #expect(Suggestions.nearest("ema-init", among: ["momentum", "ema_init"]) == "ema_init")
        #expect(Suggestions.nearest("lgc", among: ["dcg", "lcg", "none"]) == "lcg")
        #expect(Suggestions.nearest("Momentum", among: ["momentum"]) == "momentum")
        #expect(Suggestions.nearest("completely", among: ["momentum", "cap"]) == nil)
        #expect(Suggestions.distance("kitten", "sitting") == 3)
        #expect(Suggestions.distance("ab", "ba") == 1)
    }
}
