import Testing
import Tensor

@Suite("Shape ops")
struct ShapeOpsTests {
    let x = Tensor(shape: [2, 3, 4], data: (0..<24).map(Float.init))

    @Test func reshapeSharesValuesAndInfers() {
        let r = x.reshaped([4, -1])
        #expect(r.shape == [4, 6] && r.data == x.data)
        #expect(x.reshaped([24]).shape == [24])
        #expect(x.reshaped([2, 3, 4]) === x)
        #expect(Tensor(5).reshaped([1, 1]).shape == [1, 1])
    }

    @Test func reshapeIsCopyOnWrite() {
        let a = Tensor(shape: [4], data: [1, 2, 3, 4])
        let b = a.reshaped([2, 2])
        b.data[0] = 99
        #expect(a.data == [1, 2, 3, 4] && b.data == [99, 2, 3, 4])
    }

    @Test func permuteValues() {
        let p = x.permuted([2, 0, 1])              // [4, 2, 3]: p[i, j, k] = x[j, k, i]
        #expect(p.shape == [4, 2, 3])
        for i in 0..<4 { for j in 0..<2 { for k in 0..<3 {
            #expect(p.data[(i * 2 + j) * 3 + k] == x.data[(j * 3 + k) * 4 + i])
        } } }
        #expect(x.permuted([0, 1, 2]) === x)
    }

    @Test func transposeValues() {
        let m = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        #expect(m.transposed().data == [1, 4, 2, 5, 3, 6] && m.transposed().shape == [3, 2])
        let t = x.transposed(0, 2)                 // [4, 3, 2]
        #expect(t.shape == [4, 3, 2])
        #expect(t.data[(1 * 3 + 2) * 2 + 1] == x.data[(1 * 3 + 2) * 4 + 1])
        #expect(t.transposed(0, 2).data == x.data)
    }

    @Test func sliceValues() {
        let s = x.slice(axis: 1, 1..<3)           // [2, 2, 4]
        #expect(s.shape == [2, 2, 4])
        #expect(s.data == Array((4..<12).map(Float.init)) + Array((16..<24).map(Float.init)))
        let last = x.slice(axis: -1, 3..<4)
        #expect(last.shape == [2, 3, 1] && last.data == [3, 7, 11, 15, 19, 23])
        #expect(x.slice(axis: 0, 1..<1).count == 0)
    }

    @Test func concatValues() {
        let a = Tensor(shape: [2, 1], data: [1, 2]), b = Tensor(shape: [2, 2], data: [3, 4, 5, 6])
        let c = Tensor.concat([a, b], axis: 1)
        #expect(c.shape == [2, 3] && c.data == [1, 3, 4, 2, 5, 6])
        let d = Tensor.concat([b, b, a.reshaped([1, 2])], axis: 0)
        #expect(d.shape == [5, 2] && d.data == [3, 4, 5, 6, 3, 4, 5, 6, 1, 2])
        let parts = [x.slice(axis: 2, 0..<1), x.slice(axis: 2, 1..<4)]
        #expect(Tensor.concat(parts, axis: -1).data == x.data)
    }

    @Test func gatherRowsRepeated() {
        let table = Tensor(shape: [3, 2], data: [0, 1, 10, 11, 20, 21])
        let g = Tensor.gatherRows(table, [2, 0, 2, 2])
        #expect(g.shape == [4, 2] && g.data == [20, 21, 0, 1, 20, 21, 20, 21])
        #expect(Tensor.gatherRows(table, []).shape == [0, 2])
    }

    @Test func argmaxAlongAxes() {
        let m = Tensor(shape: [2, 3], data: [1, 5, 5, -1, -3, -2])
        #expect(m.argmax() == [1, 0])              // first index on ties
        #expect(m.argmax(axis: 0) == [0, 0, 0])
        let t = Tensor(shape: [2, 2, 2], data: [0, 9, 4, 1, 7, 2, 3, 8])
        #expect(t.argmax(axis: 1) == [1, 0, 0, 1])
    }
}

@Suite("Broadcasting")
struct BroadcastTests {
    @Test func shapeRule() {
        #expect(Shape.broadcast([3, 1, 5], [4, 1], op: "t") == [3, 4, 5])
        #expect(Shape.broadcast([], [2, 3], op: "t") == [2, 3])
        #expect(Shape.broadcast([1], [0], op: "t") == [0])
    }

    @Test func addBroadcastValues() {
        let a = Tensor(shape: [3, 1, 5], data: (0..<15).map(Float.init))
        let b = Tensor(shape: [4, 1], data: [0, 100, 200, 300])
        let c = a + b
        #expect(c.shape == [3, 4, 5])
        for i in 0..<3 { for j in 0..<4 { for k in 0..<5 {
            #expect(c.data[(i * 4 + j) * 5 + k] == a.data[i * 5 + k] + b.data[j])
        } } }
    }

    @Test func binaryOpsBroadcastBothWays() {
        let row = Tensor(shape: [1, 3], data: [1, 2, 4]), col = Tensor(shape: [2, 1], data: [8, 16])
        #expect((col - row).data == [7, 6, 4, 15, 14, 12])
        #expect((row * col).data == [8, 16, 32, 16, 32, 64])
        #expect((col / row).data == [8, 4, 2, 16, 8, 4])
        #expect((row / Tensor(2)).data == [0.5, 1, 2])
        #expect((Tensor(2) - row).data == [1, 0, -2])
        #expect((Tensor(shape: [1, 1, 1], data: [1]) + row).shape == [1, 1, 3])
    }

    @Test func scalarOps() {
        let a = Tensor(shape: [3], data: [1, 2, 3])
        #expect((a + 1).data == [2, 3, 4] && (1 + a).data == [2, 3, 4])
        #expect((a - 1).data == [0, 1, 2] && (1 - a).data == [0, -1, -2])
        #expect((a * 2).data == [2, 4, 6] && (2 * a).data == [2, 4, 6] && (a / 2).data == [0.5, 1, 1.5])
        #expect((-a).data == [-1, -2, -3])
    }

    @Test func sumToShape() {
        let g = Tensor.ones([3, 4, 5])
        #expect(g.sumToShape([4, 1]).data == [Float](repeating: 15, count: 4))
        #expect(g.sumToShape([3, 1, 5]).data == [Float](repeating: 4, count: 15))
        #expect(g.sumToShape([]).item == 60)
    }
}

@Suite("Reductions (values)")
struct ReductionValueTests {
    let x = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])

    @Test func sums() {
        #expect(x.sum().item == 21 && x.sum().shape == [])
        #expect(x.sum(axes: [0]).data == [5, 7, 9] && x.sum(axes: [0]).shape == [3])
        #expect(x.sum(axes: [1], keepDims: true).data == [6, 15] && x.sum(axes: [1], keepDims: true).shape == [2, 1])
        #expect(x.sum(axes: [-1]).data == [6, 15])
        let t = Tensor(shape: [2, 3, 4], data: (0..<24).map(Float.init))
        #expect(t.sum(axes: [0, 2]).data == [60, 92, 124])
        #expect(t.sum(axes: [1]).shape == [2, 4] && t.sum(axes: [1]).data[0] == 0 + 4 + 8)
        #expect(t.sum(axes: [0, -3]).data == t.sum(axes: [0]).data && t.sum(axes: [0, -3]).shape == [3, 4])
        #expect(t.mean(axes: [2, -1]).data == t.mean(axes: [2]).data)
    }

    @Test func means() {
        #expect(x.mean().item == 3.5)
        #expect(x.mean(axes: [1]).data == [2, 5])
        #expect(x.mean(axes: [0], keepDims: true).shape == [1, 3])
    }

    @Test func amaxValues() {
        #expect(x.amax(axis: 1).data == [3, 6])
        #expect(x.amax(axis: 0, keepDims: true).data == [4, 5, 6] && x.amax(axis: 0, keepDims: true).shape == [1, 3])
        let n = Tensor(shape: [3], data: [-5, -2, -7])
        #expect(n.amax(axis: 0).item == -2)
    }

    @Test func amaxTiesShareTheGradient() {
        let t = Tensor(shape: [2, 3], data: [2, 2, 2, 1, 3, 3], requiresGrad: true)
        t.amax(axis: 1).sum().backward()
        let third: Float = 1 / 3
        #expect(t.grad!.data == [third, third, third, 0, 0.5, 0.5])
    }
}
