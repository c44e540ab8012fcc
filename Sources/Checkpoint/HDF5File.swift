import CHDF5
import Foundation
import Tensor

/// A failure reading or writing an HDF5 file: names the file, the object path inside it (when there is
/// one) and what went wrong, e.g. `run/ckpt.h5: /model/visual.proj: no such dataset`.
public struct HDF5Error: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file's path on disk.
    public let file: String
    /// The object inside the file (`/params/visual.conv1.weight`), or nil for the file as a whole.
    public let object: String?
    /// What went wrong and, where it helps, what to do.
    public let message: String

    /// Creates an error about `object` in `file`.
    public init(file: URL, object: String? = nil, _ message: String) {
        self.file = file.path
        self.object = object
        self.message = message
    }

    /// `file: object: message` (or `file: message`).
    public var description: String {
        if let object { return "\(file): \(object): \(message)" }
        return "\(file): \(message)"
    }
}

/// The process-wide HDF5 lock. The library may be built serial (not thread-safe), so every call into
/// it, across all files, happens while this lock is held.
enum HDF5Library {
    /// Recursive so a locked public method can call another.
    static let lock = NSRecursiveLock()

    /// Initialises the library once.
    private static let initialised: Void = { _ = H5open() }()

    /// Runs `body` holding the HDF5 lock, with the library initialised and its error printing off.
    /// Silencing is repeated on every call because thread-safe builds (Debian's) keep the setting per
    /// thread; failures become Swift errors instead.
    static func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        _ = initialised
        alip_hdf5_silence_errors()
        return try body()
    }
}

/// An HDF5 file opened through the C library: datasets as `Tensor`s, groups, string attributes.
///
/// Every failure throws an `HDF5Error` naming the file and object; HDF5 itself prints nothing. Calls are
/// serialised on a process-wide lock, so instances may be used from any thread.
public final class HDF5File: @unchecked Sendable {
    /// The file on disk.
    public let url: URL
    /// Whether the file was opened (or created) for writing.
    public let isWritable: Bool
    /// The HDF5 file identifier; negative once closed.
    var id: hid_t

    /// The largest dataset this reader allocates for (elements); larger extents mean a corrupt header.
    static let maxElements = 1 << 34

    /// Opens an existing HDF5 file read-only. Throws if it is missing, unreadable, not HDF5, or damaged.
    public init(reading url: URL) throws {
        self.url = url
        self.isWritable = false
        self.id = -1
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw HDF5Error(file: url, "no such file; check the path")
        }
        guard !isDirectory.boolValue else {
            throw HDF5Error(file: url, "is a directory, not an HDF5 file")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw HDF5Error(file: url, "is not readable (permission denied)")
        }
        id = try HDF5Library.locked {
            guard H5Fis_hdf5(path) > 0 else {
                throw HDF5Error(file: url, "not an HDF5 file (no HDF5 signature); expected an .h5 checkpoint or export")
            }
            let fid = H5Fopen(path, alip_H5F_ACC_RDONLY(), alip_H5P_DEFAULT())
            guard fid >= 0 else {
                throw HDF5Error(file: url, "cannot open the HDF5 file: it is truncated, corrupt, or being written by another process")
            }
            return fid
        }
    }

    /// Creates (or truncates) an HDF5 file for writing.
    public init(creating url: URL) throws {
        self.url = url
        self.isWritable = true
        self.id = -1
        let path = url.path
        id = try HDF5Library.locked {
            let fid = H5Fcreate(path, alip_H5F_ACC_TRUNC(), alip_H5P_DEFAULT(), alip_H5P_DEFAULT())
            guard fid >= 0 else {
                throw HDF5Error(file: url, "cannot create the file; check that the folder exists and is writable")
            }
            return fid
        }
    }

    deinit {
        if id >= 0 { HDF5Library.locked { _ = H5Fclose(id) } }
    }

    /// Flushes (when writable) and closes the file; later calls on it throw. Closing twice is harmless.
    public func close() throws {
        try HDF5Library.locked {
            guard id >= 0 else { return }
            defer { id = -1 }
            if isWritable, H5Fflush(id, H5F_SCOPE_GLOBAL) < 0 {
                _ = H5Fclose(id)
                throw HDF5Error(file: url, "flushing the file failed (disk full?)")
            }
            guard H5Fclose(id) >= 0 else { throw HDF5Error(file: url, "closing the file failed") }
        }
    }

    // MARK: - Structure

    /// The file identifier, or an error if the file was closed.
    func openID(_ object: String?) throws -> hid_t {
        guard id >= 0 else { throw HDF5Error(file: url, object: object, "the file is closed") }
        return id
    }

    /// Whether an object (group or dataset) exists at an absolute path such as `/params/visual.conv1.weight`.
    public func exists(_ path: String) -> Bool {
        HDF5Library.locked { id >= 0 && objectType(path) != H5O_TYPE_UNKNOWN }
    }

    /// The type of the object at `path`, checking each link on the way (H5Oget_info fails noisily on a
    /// missing intermediate group). Caller holds the lock.
    func objectType(_ path: String) -> H5O_type_t {
        let parts = Self.components(path)
        if parts.isEmpty { return H5O_TYPE_GROUP }
        var prefix = ""
        for part in parts {
            prefix += "/" + part
            guard H5Lexists(id, prefix, alip_H5P_DEFAULT()) > 0 else { return H5O_TYPE_UNKNOWN }
        }
        return alip_object_type(id, prefix)
    }

    /// Whether `path` is a dataset.
    public func isDataset(_ path: String) -> Bool {
        HDF5Library.locked { id >= 0 && objectType(path) == H5O_TYPE_DATASET }
    }

    /// Whether `path` is a group (`/` always is).
    public func isGroup(_ path: String) -> Bool {
        HDF5Library.locked { id >= 0 && objectType(path) == H5O_TYPE_GROUP }
    }

    /// The names (not paths) directly under a group, sorted.
    public func members(of group: String) throws -> [String] {
        try members(of: group, inCreationOrder: false)
    }

    /// The names directly under a group: sorted, or in the order they were written when
    /// `inCreationOrder` and the group tracks it (groups made with `createGroup(_:trackOrder: true)`);
    /// a group that does not track it lists sorted.
    public func members(of group: String, inCreationOrder: Bool) throws -> [String] {
        try HDF5Library.locked {
            let fid = try openID(group)
            let path = Self.normalised(group)
            switch objectType(path) {
            case H5O_TYPE_GROUP: break
            case H5O_TYPE_UNKNOWN: throw HDF5Error(file: url, object: path, "no such group")
            default: throw HDF5Error(file: url, object: path, "is not a group")
            }
            let gid = H5Gopen2(fid, path, alip_H5P_DEFAULT())
            guard gid >= 0 else { throw HDF5Error(file: url, object: path, "cannot open the group (corrupt file?)") }
            defer { H5Gclose(gid) }
            var info = H5G_info_t()
            guard H5Gget_info(gid, &info) >= 0 else {
                throw HDF5Error(file: url, object: path, "cannot list the group (corrupt file?)")
            }
            if inCreationOrder, info.nlinks > 0,
               H5Lget_name_by_idx(gid, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, 0, nil, 0, alip_H5P_DEFAULT()) >= 0 {
                return try linkNames(gid, count: info.nlinks, index: H5_INDEX_CRT_ORDER, path)
            }
            return try linkNames(gid, count: info.nlinks, index: H5_INDEX_NAME, path).sorted()
        }
    }

    /// The names of the `count` links of an open group, in the order of `index`. Caller holds the lock.
    func linkNames(_ gid: hid_t, count: hsize_t, index: H5_index_t, _ path: String) throws -> [String] {
        var names: [String] = []
        names.reserveCapacity(Int(count))
        for i in 0..<count {
            let length = H5Lget_name_by_idx(gid, ".", index, H5_ITER_INC, i, nil, 0, alip_H5P_DEFAULT())
            guard length >= 0 else {
                throw HDF5Error(file: url, object: path, "cannot read member \(i) (corrupt file?)")
            }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            guard H5Lget_name_by_idx(gid, ".", index, H5_ITER_INC, i, &buffer, buffer.count, alip_H5P_DEFAULT()) >= 0 else {
                throw HDF5Error(file: url, object: path, "cannot read member \(i) (corrupt file?)")
            }
            names.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    // MARK: - Datasets

    /// Opens a dataset, with a clear error if it is missing or is something else. Caller holds the lock.
    func openDataset(_ path: String) throws -> hid_t {
        let fid = try openID(path)
        switch objectType(path) {
        case H5O_TYPE_DATASET: break
        case H5O_TYPE_UNKNOWN: throw HDF5Error(file: url, object: path, "no such dataset")
        default: throw HDF5Error(file: url, object: path, "is a group, not a dataset")
        }
        let did = H5Dopen2(fid, path, alip_H5P_DEFAULT())
        guard did >= 0 else { throw HDF5Error(file: url, object: path, "cannot open the dataset (corrupt file?)") }
        return did
    }

    /// The stored shape of an open dataset (`[]` for a scalar). Caller holds the lock.
    func shape(ofDataset did: hid_t, _ path: String) throws -> [Int] {
        let space = H5Dget_space(did)
        guard space >= 0 else { throw HDF5Error(file: url, object: path, "cannot read the dataspace (corrupt file?)") }
        defer { H5Sclose(space) }
        switch H5Sget_simple_extent_type(space) {
        case H5S_SCALAR: return []
        case H5S_SIMPLE: break
        case H5S_NULL: throw HDF5Error(file: url, object: path, "the dataset has no data (null dataspace)")
        default: throw HDF5Error(file: url, object: path, "cannot read the dataspace (corrupt file?)")
        }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0 else { throw HDF5Error(file: url, object: path, "cannot read the dataspace (corrupt file?)") }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        guard H5Sget_simple_extent_dims(space, &dims, nil) >= 0 else {
            throw HDF5Error(file: url, object: path, "cannot read the dataspace (corrupt file?)")
        }
        var count = 1
        for d in dims {
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(clamping: d))
            guard !overflow, product <= Self.maxElements else {
                throw HDF5Error(file: url, object: path, "implausible extent \(dims) (corrupt file?)")
            }
            count = product
        }
        return dims.map { Int($0) }
    }

    /// The HDF5 type class of an open dataset. Caller holds the lock.
    func typeClass(ofDataset did: hid_t) -> H5T_class_t {
        let tid = H5Dget_type(did)
        guard tid >= 0 else { return H5T_NO_CLASS }
        defer { H5Tclose(tid) }
        return H5Tget_class(tid)
    }

    /// Reads a whole dataset converted to `memType` into `count` elements of `T`. Caller holds the lock.
    func readAll<T>(_ did: hid_t, _ path: String, memType: hid_t, count: Int, zero: T) throws -> [T] {
        var values = [T](repeating: zero, count: count)
        let status = values.withUnsafeMutableBytes { raw in
            H5Dread(did, memType, alip_H5S_ALL(), alip_H5S_ALL(), alip_H5P_DEFAULT(), raw.baseAddress)
        }
        guard status >= 0 else {
            throw HDF5Error(file: url, object: path, "reading the data failed: the file is truncated or corrupt")
        }
        return values
    }

    /// Reads a numeric (float or integer) dataset as Float32, with its stored shape (`[]` for a scalar).
    public func tensor(_ path: String) throws -> Tensor {
        let path = Self.normalised(path)
        return try HDF5Library.locked {
            let did = try openDataset(path)
            defer { H5Dclose(did) }
            let cls = typeClass(ofDataset: did)
            guard cls == H5T_FLOAT || cls == H5T_INTEGER else {
                throw HDF5Error(file: url, object: path, "is not a numeric dataset (HDF5 class \(cls.rawValue))")
            }
            let shape = try shape(ofDataset: did, path)
            let data = try readAll(did, path, memType: alip_H5T_NATIVE_FLOAT(), count: shape.reduce(1, *), zero: Float(0))
            return Tensor(shape: shape, data: data)
        }
    }

    /// Reads an integer dataset as Int32 values (row-major) with its stored shape.
    public func int32s(_ path: String) throws -> (shape: [Int], values: [Int32]) {
        let path = Self.normalised(path)
        return try HDF5Library.locked {
            let did = try openDataset(path)
            defer { H5Dclose(did) }
            guard typeClass(ofDataset: did) == H5T_INTEGER else {
                throw HDF5Error(file: url, object: path, "is not an integer dataset")
            }
            let shape = try shape(ofDataset: did, path)
            let values = try readAll(did, path, memType: alip_H5T_NATIVE_INT32(), count: shape.reduce(1, *), zero: Int32(0))
            return (shape, values)
        }
    }

    /// Every dataset directly under a group, by name (subgroups are skipped).
    public func tensors(under group: String) throws -> [String: Tensor] {
        let group = Self.normalised(group)
        return try HDF5Library.locked {
            var result: [String: Tensor] = [:]
            for name in try members(of: group) {
                let path = Self.join(group, name)
                if objectType(path) == H5O_TYPE_DATASET { result[name] = try tensor(path) }
            }
            return result
        }
    }

    // MARK: - Attributes

    /// Opens attribute `name` of the object at `path`, with a clear error if either is missing.
    /// Caller holds the lock.
    func openAttribute(_ name: String, of path: String) throws -> hid_t {
        let fid = try openID(path)
        guard objectType(path) != H5O_TYPE_UNKNOWN else {
            throw HDF5Error(file: url, object: path, "no such object (looking for attribute '\(name)')")
        }
        guard H5Aexists_by_name(fid, path, name, alip_H5P_DEFAULT()) > 0 else {
            throw HDF5Error(file: url, object: path, "no attribute '\(name)'")
        }
        let aid = H5Aopen_by_name(fid, path, name, alip_H5P_DEFAULT(), alip_H5P_DEFAULT())
        guard aid >= 0 else { throw HDF5Error(file: url, object: path, "cannot open attribute '\(name)' (corrupt file?)") }
        return aid
    }

    /// Whether the object at `path` has attribute `name`.
    public func hasAttribute(_ name: String, of path: String = "/") -> Bool {
        let path = Self.normalised(path)
        return HDF5Library.locked {
            id >= 0 && objectType(path) != H5O_TYPE_UNKNOWN && H5Aexists_by_name(id, path, name, alip_H5P_DEFAULT()) > 0
        }
    }

    /// Reads a string attribute (variable- or fixed-length) of the object at `path` (the root by default).
    public func stringAttribute(_ name: String, of path: String = "/") throws -> String {
        let path = Self.normalised(path)
        return try HDF5Library.locked {
            let aid = try openAttribute(name, of: path)
            defer { H5Aclose(aid) }
            var status: Int32 = 0
            guard let cString = alip_read_string(aid, 1, &status) else {
                if status == 1 { throw HDF5Error(file: url, object: path, "attribute '\(name)' is not a string") }
                throw HDF5Error(file: url, object: path, "reading attribute '\(name)' failed (corrupt file?)")
            }
            defer { free(cString) }
            return String(cString: cString)
        }
    }

    // MARK: - Paths

    /// The non-empty components of a slash-separated path.
    static func components(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    /// `path` as an absolute path without a trailing slash (`/` for the root).
    static func normalised(_ path: String) -> String {
        "/" + components(path).joined(separator: "/")
    }

    /// `group/name` as an absolute path.
    static func join(_ group: String, _ name: String) -> String {
        let g = normalised(group)
        return g == "/" ? "/" + name : g + "/" + name
    }
}
