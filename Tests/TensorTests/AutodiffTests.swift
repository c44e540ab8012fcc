import Testing
import Tensor
import TestSupport

@Suite("Autodiff semantics")
struct AutodiffTests {
    @Test func simpleChain() {
        let x = Tensor(shape: [3], data: [1, 2, 3], requiresGrad: true)
        let y = (x * x * 3 + x).sum()                 // dy/dx = 6x + 1
        #expect(!y.isLeaf && y.requiresGrad && y.opName == "sum")
        y.backward()
        #expect(x.grad!.data == [7, 13, 19])
        #expect(x.isLeaf && x.grad!.shape == x.shape)
    }

    @Test func gradientsAccumulateAcrossBackwardCalls() {
        let w = Tensor(shape: [2], data: [1, -1], requiresGrad: true)
        (w * 2).sum().backward()
        (w * 3).sum().backward()
        #expect(w.grad!.data == [5, 5])
        w.zeroGrad()
        #expect(w.grad == nil)
        (w * 4).sum().backward()
        #expect(w.grad!.data == [4, 4])
    }

    @Test func tensorUsedTwiceGetsBothGradients() {
        let a = Tensor(shape: [2], data: [2, 3], requiresGrad: true)
        let b = Tensor(shape: [2], data: [5, 7], requiresGrad: true)
        let y = (a * b + a.exp() * 0 + a).sum()         // d/da = b + 1, d/db = a
        y.backward()
        #expect(a.grad!.data == [6, 8] && b.grad!.data == [2, 3])
        // diamond: the same intermediate feeds two branches
        let x = Tensor(shape: [1], data: [3], requiresGrad: true)
        let h = x * 2
        (h * h + h).sum().backward()                   // d/dx = (2h + 1)·2 = 26
        #expect(x.grad!.data == [26])
    }

    /// The graph keeps what backward closures saved and nothing else: an intermediate result that no
    /// VJP needs (here an add's output, read only by `sum`, whose backward needs shapes) is freed once
    /// the caller drops it, while one a VJP saved (`mul`'s operand) stays alive until the backward has
    /// run through it. Gradients are unaffected.
    @Test func graphFreesIntermediatesNoBackwardNeeds() {
        let x = Tensor(shape: [4], data: [1, -2, 3, 0.5], requiresGrad: true)
        weak var unsaved: Tensor?
        weak var saved: Tensor?
        let loss: Tensor = {
            let s = x + x                     // used by `mul` below, which saves its operands
            let a = s * s
            let b = a + 1                     // used by `sum`, which saves nothing but shapes
            saved = s
            unsaved = b
            return b.sum()
        }()
        #expect(unsaved == nil, "the add's output is not saved by any backward, so nothing holds it")
        #expect(saved != nil, "mul saves its operands for its backward")
        loss.backward()
        #expect(saved == nil, "the backward frees what it saved once it has used it")
        #expect(x.grad!.data == [8, -16, 24, 4])       // d/dx (2x)² = 8x
    }

    /// The fused ops that save x̂ or a pre-activation instead of their input do not keep the input alive:
    /// a layer norm's input (a residual stream in a block) and the input of a layer norm + linear are
    /// freed after the forward.
    @Test func normsDoNotKeepTheirInputs() {
        let x = randomInput([2, 3, 4], seed: 7)
        x.requiresGrad = true
        let gain = Tensor.ones([4]), shift = Tensor.zeros([4]), w = randomInput([5, 4], seed: 8)
        weak var normInput: Tensor?
        weak var fusedInput: Tensor?
        let loss: Tensor = {
            let a = x * 2, b = x * 3
            normInput = a
            fusedInput = b
            let y = Tensor.layerNorm(a, weight: gain, bias: shift)
            let z = Tensor.layerNormLinear(b, normWeight: gain, normBias: shift, weight: w, bias: nil)
            return y.sum() + z.sum()
        }()
        #expect(normInput == nil && fusedInput == nil)
        loss.backward()
        #expect(x.grad != nil)
    }

    @Test func withoutGradientsRecordsNothing() {
        let x = Tensor(shape: [2], data: [1, 2], requiresGrad: true)
        let y = withoutGradients { (x * 3).exp().sum() }
        #expect(!y.requiresGrad && y.isLeaf)
        #expect(GradMode.isEnabled)
        withoutGradients { #expect(!GradMode.isEnabled) }
        let z = (x * 3).sum()
        #expect(z.requiresGrad)
    }

    @Test func constantsGetNoGradient() {
        let x = Tensor(shape: [2], data: [1, 2], requiresGrad: true)
        let c = Tensor(shape: [2], data: [3, 4])
        (x * c).sum().backward()
        #expect(c.grad == nil && x.grad!.data == [3, 4])
        let noGrad = Tensor(shape: [2], data: [1, 2]) * c
        #expect(!noGrad.requiresGrad)
    }

    @Test func retainGraphAllowsSecondBackward() {
        let x = Tensor(shape: [2], data: [1, 2], requiresGrad: true)
        let y = (x * x).sum()
        y.backward(retainGraph: true)
        #expect(x.grad!.data == [2, 4])
        y.backward()
        #expect(x.grad!.data == [4, 8])
    }

    @Test func backwardWithSeed() {
        let x = Tensor(shape: [3], data: [1, 2, 3], requiresGrad: true)
        let y = x * 2
        y.backward(seed: Tensor(shape: [3], data: [1, 10, 100]))
        #expect(x.grad!.data == [2, 20, 200])
    }

    @Test func detachedStopsTheGradient() {
        let x = Tensor(shape: [2], data: [1, 2], requiresGrad: true)
        let y = (x.detached() * x).sum()               // d/dx = x (only the live factor)
        y.backward()
        #expect(x.grad!.data == [1, 2])
        #expect(!x.detached().requiresGrad)
    }

    @Test func deepGraphDoesNotOverflowTheStack() {
        let x = Tensor(shape: [1], data: [0], requiresGrad: true)
        var y = x
        for _ in 0..<20_000 { y = y + 1 }
        y.sum().backward()
        #expect(x.grad!.data == [1] && y.data == [20_000])
    }
}

/// A forward pass that is never differentiated must not leak: no node of the graph may keep itself
/// alive through its own backward closure.
@Suite("Graph memory")
struct GraphMemoryTests {
    @Test func unusedGraphsAreFreed() {
        let ops: [NamedOp] = [
            ("exp", { $0[0].exp() }), ("sqrt", { ($0[0] * $0[0] + 1).sqrt() }), ("tanh", { $0[0].tanh() }),
            ("sigmoid", { $0[0].sigmoid() }), ("div", { $0[0] / ($0[0] * $0[0] + 1) }), ("softmax", { $0[0].softmax() }),
            ("logSoftmax", { $0[0].logSoftmax() }), ("l2", { $0[0].l2Normalized() }),
            ("amax keep", { $0[0].amax(axis: 1, keepDims: true) }), ("amax", { $0[0].amax(axis: 0) }),
            ("gelu", { $0[0].gelu() }), ("attention", { Tensor.attention($0[0].reshaped([1, 2, 3]), $0[0].reshaped([1, 2, 3]),
                                                                           $0[0].reshaped([1, 2, 3]), causal: true) }),
            ("crossEntropy", { Tensor.crossEntropy($0[0], targets: [0, 2]) }),
            ("layerNorm", { Tensor.layerNorm($0[0], weight: Tensor.ones([3]), bias: Tensor.zeros([3])) }),
        ]
        for (name, f) in ops {
            weak var weakOut: Tensor?
            weak var weakInner: Tensor?
            do {
                let x = randomInput([2, 3], seed: 80)
                let inner = x * 2
                let y = f([inner])
                #expect(y.requiresGrad, "\(name)")
                weakOut = y
                weakInner = inner
            }
            #expect(weakOut == nil, "\(name): output kept alive after its last reference went away")
            #expect(weakInner == nil, "\(name): graph kept alive after its last reference went away")
        }
    }

    @Test func backwardReleasesTheGraph() {
        weak var weakInner: Tensor?
        let x = randomInput([4], seed: 81)
        do {
            let inner = x.exp()
            weakInner = inner
            (inner * 3).sum().backward()
        }
        #expect(weakInner == nil)
        #expect(x.grad != nil)
    }
}
