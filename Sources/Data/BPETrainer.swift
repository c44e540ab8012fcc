/// Learns BPE merges from texts (Sennrich et al. 2016, byte-level as GPT-2/CLIP), incrementally:
/// pair counts are kept for the whole corpus, each merge only revisits the words that contain the
/// merged pair (an index pair → words), and the most frequent pair comes from a max-heap with lazy
/// invalidation. Ties go to the pair with the smaller (left id, right id), so training is deterministic.
public enum BPETrainer {
    /// Merges for a vocabulary of `vocabSize` ids (512 base ids, the merges, 2 special ids): at most
    /// `vocabSize − 514` merges, fewer when no pair occurs at least `minFrequency` times.
    public static func train(texts: [String], vocabSize: Int, minFrequency: Int = 2) -> [BPETokenizer.Merge] {
        let target = max(0, vocabSize - 514)
        // Word frequencies, over a sorted word list so ids do not depend on dictionary order.
        var counts: [String: Int] = [:]
        for t in texts {
            for w in CLIPText.pretokenize(CLIPText.normalize(t)) where !CLIPText.specials.contains(w) { counts[w, default: 0] += 1 }
        }
        let vocabWords = counts.keys.sorted()
        var words: [[Int32]] = vocabWords.map { BPETokenizer.baseSymbols($0) }
        let freq: [Int] = vocabWords.map { counts[$0]! }

        var pairCount: [UInt64: Int] = [:]
        var pairWords: [UInt64: [Int32]] = [:]
        for (wi, w) in words.enumerated() where w.count > 1 {
            for i in 0..<(w.count - 1) {
                let k = BPETokenizer.key(w[i], w[i + 1])
                pairCount[k, default: 0] += freq[wi]
                pairWords[k, default: []].append(Int32(wi))
            }
        }
        var heap = PairHeap()
        for (k, c) in pairCount { heap.push(count: c, key: k) }

        var merges: [BPETokenizer.Merge] = []
        var stamp = [Int](repeating: -1, count: words.count)
        while merges.count < target, let top = heap.pop() {
            let actual = pairCount[top.key] ?? 0
            if actual != top.count {
                if actual > 0 { heap.push(count: actual, key: top.key) }
                continue
            }
            if actual < minFrequency { break }
            let a = Int32(truncatingIfNeeded: top.key >> 32), b = Int32(truncatingIfNeeded: top.key & 0xFFFF_FFFF)
            let newID = BPETokenizer.firstMergeID + Int32(merges.count)
            merges.append(BPETokenizer.Merge(left: a, right: b, result: newID))
            let mergeIndex = merges.count
            var increased: Set<UInt64> = []
            for wi32 in pairWords[top.key] ?? [] {
                let wi = Int(wi32)
                if stamp[wi] == mergeIndex { continue }
                stamp[wi] = mergeIndex
                let old = words[wi]
                guard old.count > 1 else { continue }
                var new: [Int32] = []
                new.reserveCapacity(old.count)
                var i = 0
                var changed = false
                while i < old.count {
                    if i + 1 < old.count, old[i] == a, old[i + 1] == b { new.append(newID); i += 2; changed = true }
                    else { new.append(old[i]); i += 1 }
                }
                guard changed else { continue }   // stale index entry
                let f = freq[wi]
                for i in 0..<(old.count - 1) {
                    let k = BPETokenizer.key(old[i], old[i + 1])
                    pairCount[k]! -= f
                }
                if new.count > 1 {
                    for i in 0..<(new.count - 1) {
                        let k = BPETokenizer.key(new[i], new[i + 1])
                        pairCount[k, default: 0] += f
                        if new[i] == newID || new[i + 1] == newID {
                            pairWords[k, default: []].append(wi32)
                            increased.insert(k)
                        }
                    }
                }
                words[wi] = new
            }
            pairCount[top.key] = nil
            pairWords[top.key] = nil
            for k in increased { if let c = pairCount[k], c > 0 { heap.push(count: c, key: k) } }
        }
        return merges
    }
}

/// A binary max-heap of (count, pair key): larger count first, then smaller key.
struct PairHeap {
    private var items: [(count: Int, key: UInt64)] = []

    @inline(__always) private static func above(_ x: (count: Int, key: UInt64), _ y: (count: Int, key: UInt64)) -> Bool {
        x.count > y.count || (x.count == y.count && x.key < y.key)
    }

    mutating func push(count: Int, key: UInt64) {
        items.append((count, key))
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard Self.above(items[i], items[p]) else { break }
            items.swapAt(i, p); i = p
        }
    }

    mutating func pop() -> (count: Int, key: UInt64)? {
        guard !items.isEmpty else { return nil }
        let top = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, Self.above(items[l], items[m]) { m = l }
                if r < items.count, Self.above(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m); i = m
            }
        }
        return top
    }
}
