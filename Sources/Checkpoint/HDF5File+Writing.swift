import CHDF5
import Foundation
import Tensor

// Writing groups, datasets and attributes. Files are little-endian IEEE/two's-complement on disk, so
// h5py and numpy read them as float32/int32/int64/uint64/float64 directly.
extension HDF5File {
    /// Creates a group (and any missing parents). With `trackOrder` the group remembers the order its
    /// members were written in (`members(of:inCreationOrder: true)`; h5py: `track_order`).
    public func createGroup(_ path: String, trackOrder: Bool = false) throws {
        let path = Self.normalised(path)
        try HDF5Library.locked {
            let fid = try writableID(path)
            guard objectType(path) == H5O_TYPE_UNKNOWN else {
                if objectType(path) == H5O_TYPE_GROUP { return }
                throw HDF5Error(file: url, object: path, "already exists and is not a group")
            }
            let lcpl = try intermediateGroupsPropertyList(path)
            defer { H5Pclose(lcpl) }
            let gcpl = H5Pcreate(alip_H5P_GROUP_CREATE())
            guard gcpl >= 0 else { throw HDF5Error(file: url, object: path, "cannot create the group") }
            defer { H5Pclose(gcpl) }
            if trackOrder {
                guard H5Pset_link_creation_order(gcpl, UInt32(H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED)) >= 0 else {
                    throw HDF5Error(file: url, object: path, "cannot create the group")
                }
            }
            let gid = H5Gcreate2(fid, path, lcpl, gcpl, alip_H5P_DEFAULT())
            guard gid >= 0 else { throw HDF5Error(file: url, object: path, "cannot create the group (disk full?)") }
            H5Gclose(gid)
        }
    }

    /// Writes a tensor as a float32 dataset of its shape (a scalar dataset for shape `[]`), bit for bit.
    /// `gzipLevel` (1…9) compresses it (chunked, with the shuffle filter); nil stores it contiguous.
    public func write(_ tensor: Tensor, to path: String, gzipLevel: Int? = nil) throws {
        try write(floats: tensor.data, shape: tensor.shape, to: path, gzipLevel: gzipLevel)
    }

    /// Writes float32 values (row-major) as a dataset of `shape`.
    public func write(floats values: [Float], shape: [Int], to path: String, gzipLevel: Int? = nil) throws {
        try values.withUnsafeBytes {
            try writeDataset(path, shape: shape, count: values.count, fileType: alip_H5T_IEEE_F32LE(),
                             memType: alip_H5T_NATIVE_FLOAT(), bytes: $0, gzipLevel: gzipLevel)
        }
    }

    /// Writes int32 values (row-major) as a dataset of `shape`.
    public func write(int32s values: [Int32], shape: [Int], to path: String, gzipLevel: Int? = nil) throws {
        try values.withUnsafeBytes {
            try writeDataset(path, shape: shape, count: values.count, fileType: alip_H5T_STD_I32LE(),
                             memType: alip_H5T_NATIVE_INT32(), bytes: $0, gzipLevel: gzipLevel)
        }
    }

    /// Writes int64 values (row-major) as a dataset of `shape`.
    public func write(int64s values: [Int64], shape: [Int], to path: String, gzipLevel: Int? = nil) throws {
        try values.withUnsafeBytes {
            try writeDataset(path, shape: shape, count: values.count, fileType: alip_H5T_STD_I64LE(),
                             memType: alip_H5T_NATIVE_INT64(), bytes: $0, gzipLevel: gzipLevel)
        }
    }

    /// Writes uint64 values (row-major) as a dataset of `shape`.
    public func write(uint64s values: [UInt64], shape: [Int], to path: String, gzipLevel: Int? = nil) throws {
        try values.withUnsafeBytes {
            try writeDataset(path, shape: shape, count: values.count, fileType: alip_H5T_STD_U64LE(),
                             memType: alip_H5T_NATIVE_UINT64(), bytes: $0, gzipLevel: gzipLevel)
        }
    }

    /// Writes float64 values (row-major) as a dataset of `shape`.
    public func write(doubles values: [Double], shape: [Int], to path: String, gzipLevel: Int? = nil) throws {
        try values.withUnsafeBytes {
            try writeDataset(path, shape: shape, count: values.count, fileType: alip_H5T_IEEE_F64LE(),
                             memType: alip_H5T_NATIVE_DOUBLE(), bytes: $0, gzipLevel: gzipLevel)
        }
    }

    /// Writes a scalar variable-length UTF-8 string dataset.
    public func write(string: String, to path: String) throws {
        let path = Self.normalised(path)
        try HDF5Library.locked {
            let fid = try writableID(path)
            try checkNew(path)
            guard alip_write_string(fid, path, nil, string) >= 0 else {
                throw HDF5Error(file: url, object: path, "writing the string failed (disk full?)")
            }
        }
    }

    /// Writes a `StateValue` as a dataset (see `StateValue` for the on-disk types).
    public func write(_ value: StateValue, to path: String) throws {
        switch value {
        case .double(let d): try write(doubles: [d], shape: [], to: path)
        case .int(let i): try write(int64s: [Int64(i)], shape: [], to: path)
        case .words(let w): try write(uint64s: w, shape: [w.count], to: path)
        case .doubles(let d): try write(doubles: d, shape: [d.count], to: path)
        case .string(let s): try write(string: s, to: path)
        }
    }

    /// Sets (or replaces) attribute `name` of the existing object at `path` (the root by default).
    public func setAttribute(_ name: String, _ value: StateValue, of path: String = "/") throws {
        let path = Self.normalised(path)
        try HDF5Library.locked {
            let fid = try writableID(path)
            guard objectType(path) != H5O_TYPE_UNKNOWN else {
                throw HDF5Error(file: url, object: path, "no such object (setting attribute '\(name)')")
            }
            let failed = HDF5Error(file: url, object: path, "writing attribute '\(name)' failed (disk full?)")
            switch value {
            case .string(let s):
                guard alip_write_string(fid, path, name, s) >= 0 else { throw failed }
            case .double(let d):
                try writeAttribute(fid, path, name, [d], scalar: true, alip_H5T_IEEE_F64LE(), alip_H5T_NATIVE_DOUBLE(), failed)
            case .int(let i):
                try writeAttribute(fid, path, name, [Int64(i)], scalar: true, alip_H5T_STD_I64LE(), alip_H5T_NATIVE_INT64(), failed)
            case .words(let w):
                try writeAttribute(fid, path, name, w, scalar: false, alip_H5T_STD_U64LE(), alip_H5T_NATIVE_UINT64(), failed)
            case .doubles(let d):
                try writeAttribute(fid, path, name, d, scalar: false, alip_H5T_IEEE_F64LE(), alip_H5T_NATIVE_DOUBLE(), failed)
            }
        }
    }

    /// Sets a string attribute.
    public func setAttribute(_ name: String, string: String, of path: String = "/") throws {
        try setAttribute(name, .string(string), of: path)
    }

    /// Sets an integer (int64) attribute.
    public func setAttribute(_ name: String, int: Int, of path: String = "/") throws {
        try setAttribute(name, .int(int), of: path)
    }

    /// Sets a float64 attribute.
    public func setAttribute(_ name: String, double: Double, of path: String = "/") throws {
        try setAttribute(name, .double(double), of: path)
    }

    // MARK: - Helpers (caller holds the lock)

    /// The file identifier when the file is open for writing.
    func writableID(_ object: String) throws -> hid_t {
        let fid = try openID(object)
        guard isWritable else { throw HDF5Error(file: url, object: object, "the file is open read-only") }
        return fid
    }

    /// Throws unless `path` names nothing yet (and is not the root).
    func checkNew(_ path: String) throws {
        guard path != "/" else { throw HDF5Error(file: url, object: path, "the root is a group, not a dataset") }
        guard objectType(path) == H5O_TYPE_UNKNOWN else { throw HDF5Error(file: url, object: path, "already exists") }
        // A parent that is a dataset cannot hold children.
        var prefix = ""
        for part in Self.components(path).dropLast() {
            prefix += "/" + part
            let type = objectType(prefix)
            if type == H5O_TYPE_UNKNOWN { break }
            guard type == H5O_TYPE_GROUP else {
                throw HDF5Error(file: url, object: path, "cannot be created: '\(prefix)' is a dataset, not a group")
            }
        }
    }

    /// A link-creation property list that creates missing parent groups.
    func intermediateGroupsPropertyList(_ path: String) throws -> hid_t {
        let lcpl = H5Pcreate(alip_H5P_LINK_CREATE())
        guard lcpl >= 0, H5Pset_create_intermediate_group(lcpl, 1) >= 0 else {
            if lcpl >= 0 { H5Pclose(lcpl) }
            throw HDF5Error(file: url, object: path, "cannot set up the HDF5 property list")
        }
        return lcpl
    }

    /// Chunk extents for compression: whole trailing axes while they fit in ~256 Ki elements (1 MiB of
    /// float32), part of the next axis, 1 for the rest.
    static func chunkShape(_ shape: [Int], target: Int = 1 << 18) -> [hsize_t] {
        var chunk = [hsize_t](repeating: 1, count: shape.count)
        var size = 1
        for axis in shape.indices.reversed() {
            let take = max(1, min(shape[axis], target / size))
            chunk[axis] = hsize_t(take)
            size *= take
            if take < shape[axis] { break }
        }
        return chunk
    }

    /// Creates a numeric dataset and writes `bytes` (row-major, `count` elements of `memType`).
    func writeDataset(_ path: String, shape: [Int], count: Int, fileType: hid_t, memType: hid_t,
                      bytes: UnsafeRawBufferPointer, gzipLevel: Int?) throws {
        let path = Self.normalised(path)
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == count,
                     "HDF5File.write: \(count) values do not fill shape \(shape)")
        if let level = gzipLevel, !(1...9).contains(level) {
            throw HDF5Error(file: url, object: path, "gzip level \(level) is out of range; use 1…9")
        }
        try HDF5Library.locked {
            let fid = try writableID(path)
            try checkNew(path)
            let dims = shape.map { hsize_t($0) }
            let space = shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(shape.count), dims, nil)
            guard space >= 0 else { throw HDF5Error(file: url, object: path, "cannot create a dataspace for shape \(shape)") }
            defer { H5Sclose(space) }
            let lcpl = try intermediateGroupsPropertyList(path)
            defer { H5Pclose(lcpl) }
            let dcpl = H5Pcreate(alip_H5P_DATASET_CREATE())
            guard dcpl >= 0 else { throw HDF5Error(file: url, object: path, "cannot set up the HDF5 property list") }
            defer { H5Pclose(dcpl) }
            if let level = gzipLevel, !shape.isEmpty, count > 0 {
                guard H5Zfilter_avail(H5Z_filter_t(alip_H5Z_FILTER_DEFLATE())) > 0 else {
                    throw HDF5Error(file: url, object: path, "this HDF5 library has no gzip (deflate) filter; write without compression")
                }
                let chunk = Self.chunkShape(shape)
                guard H5Pset_chunk(dcpl, Int32(shape.count), chunk) >= 0, H5Pset_shuffle(dcpl) >= 0,
                      H5Pset_deflate(dcpl, UInt32(level)) >= 0 else {
                    throw HDF5Error(file: url, object: path, "cannot set up gzip compression")
                }
            }
            let did = H5Dcreate2(fid, path, fileType, space, lcpl, dcpl, alip_H5P_DEFAULT())
            guard did >= 0 else { throw HDF5Error(file: url, object: path, "cannot create the dataset (disk full?)") }
            defer { H5Dclose(did) }
            if count > 0 {
                guard H5Dwrite(did, memType, alip_H5S_ALL(), alip_H5S_ALL(), alip_H5P_DEFAULT(), bytes.baseAddress) >= 0 else {
                    throw HDF5Error(file: url, object: path, "writing the data failed (disk full?)")
                }
            }
        }
    }

    /// Creates (replacing) a numeric attribute: a scalar, or a 1-D array of `values.count`.
    func writeAttribute<T>(_ fid: hid_t, _ path: String, _ name: String, _ values: [T], scalar: Bool,
                           _ fileType: hid_t, _ memType: hid_t, _ failed: HDF5Error) throws {
        if H5Aexists_by_name(fid, path, name, alip_H5P_DEFAULT()) > 0 {
            guard H5Adelete_by_name(fid, path, name, alip_H5P_DEFAULT()) >= 0 else { throw failed }
        }
        var dims = [hsize_t(values.count)]
        let space = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil)
        guard space >= 0 else { throw failed }
        defer { H5Sclose(space) }
        let aid = H5Acreate_by_name(fid, path, name, fileType, space, alip_H5P_DEFAULT(), alip_H5P_DEFAULT(), alip_H5P_DEFAULT())
        guard aid >= 0 else { throw failed }
        defer { H5Aclose(aid) }
        let status = values.withUnsafeBytes { H5Awrite(aid, memType, $0.baseAddress) }
        guard status >= 0 else { throw failed }
    }
}
