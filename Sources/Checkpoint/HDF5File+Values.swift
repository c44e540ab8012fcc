import CHDF5
import Foundation

// Reading shapes, typed values and attributes of every kind (`StateValue`).
extension HDF5File {
    /// The stored shape of a dataset (`[]` for a scalar), without reading its data.
    public func shape(of path: String) throws -> [Int] {
        let path = Self.normalised(path)
        return try HDF5Library.locked {
            let did = try openDataset(path)
            defer { H5Dclose(did) }
            return try shape(ofDataset: did, path)
        }
    }

    /// Reads a dataset as a `StateValue`: a string, a float (scalar → `double`, else `doubles`), a signed
    /// integer scalar (`int`) or an unsigned integer array (`words`).
    public func value(_ path: String) throws -> StateValue {
        let path = Self.normalised(path)
        return try HDF5Library.locked {
            let did = try openDataset(path)
            defer { H5Dclose(did) }
            return try readValue(did, isAttribute: false, path, what: "dataset")
        }
    }

    /// Reads attribute `name` of the object at `path` (the root by default) as a `StateValue`.
    public func attribute(_ name: String, of path: String = "/") throws -> StateValue {
        let path = Self.normalised(path)
        return try HDF5Library.locked {
            let aid = try openAttribute(name, of: path)
            defer { H5Aclose(aid) }
            return try readValue(aid, isAttribute: true, path, what: "attribute '\(name)'")
        }
    }

    /// Reads an integer attribute (an integer scalar; a float that is a whole number is accepted).
    public func intAttribute(_ name: String, of path: String = "/") throws -> Int {
        let value = try attribute(name, of: path)
        if case .int(let i) = value { return i }
        if case .double(let d) = value, d.rounded() == d, abs(d) < 9.0e15 { return Int(d) }
        throw HDF5Error(file: url, object: Self.normalised(path), "attribute '\(name)' is not an integer (found \(value))")
    }

    /// Reads a numeric scalar attribute as a `Double`.
    public func doubleAttribute(_ name: String, of path: String = "/") throws -> Double {
        let value = try attribute(name, of: path)
        guard let d = value.doubleValue else {
            throw HDF5Error(file: url, object: Self.normalised(path), "attribute '\(name)' is not a number (found \(value))")
        }
        return d
    }

    /// The names of the attributes of the object at `path`, sorted.
    public func attributeNames(of path: String = "/") throws -> [String] {
        let path = Self.normalised(path)
        return try HDF5Library.locked {
            let fid = try openID(path)
            guard objectType(path) != H5O_TYPE_UNKNOWN else { throw HDF5Error(file: url, object: path, "no such object") }
            let count = alip_attribute_count(fid, path)
            guard count >= 0 else { throw HDF5Error(file: url, object: path, "cannot list attributes (corrupt file?)") }
            var names: [String] = []
            for i in 0..<hsize_t(count) {
                let length = H5Aget_name_by_idx(fid, path, H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, alip_H5P_DEFAULT())
                guard length >= 0 else { throw HDF5Error(file: url, object: path, "cannot read attribute \(i) (corrupt file?)") }
                var buffer = [CChar](repeating: 0, count: Int(length) + 1)
                guard H5Aget_name_by_idx(fid, path, H5_INDEX_NAME, H5_ITER_INC, i, &buffer, buffer.count, alip_H5P_DEFAULT()) >= 0 else {
                    throw HDF5Error(file: url, object: path, "cannot read attribute \(i) (corrupt file?)")
                }
                names.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            return names.sorted()
        }
    }

    /// Reads an open attribute or dataset as a `StateValue`. Caller holds the lock.
    func readValue(_ object: hid_t, isAttribute: Bool, _ path: String, what: String) throws -> StateValue {
        let corrupt = HDF5Error(file: url, object: path, "cannot read \(what) (truncated or corrupt file?)")
        let type = isAttribute ? H5Aget_type(object) : H5Dget_type(object)
        guard type >= 0 else { throw corrupt }
        defer { H5Tclose(type) }
        let space = isAttribute ? H5Aget_space(object) : H5Dget_space(object)
        guard space >= 0 else { throw corrupt }
        defer { H5Sclose(space) }
        let isScalar = H5Sget_simple_extent_type(space) == H5S_SCALAR
        let count = Int(H5Sget_simple_extent_npoints(space))
        guard count >= 0, count <= Self.maxElements else { throw corrupt }

        func read<T>(_ memType: hid_t, _ zero: T) throws -> [T] {
            var values = [T](repeating: zero, count: count)
            let status = values.withUnsafeMutableBytes { raw -> herr_t in
                if isAttribute { return H5Aread(object, memType, raw.baseAddress) }
                return H5Dread(object, memType, alip_H5S_ALL(), alip_H5S_ALL(), alip_H5P_DEFAULT(), raw.baseAddress)
            }
            guard status >= 0 else { throw corrupt }
            return values
        }

        switch H5Tget_class(type) {
        case H5T_STRING:
            var status: Int32 = 0
            guard let cString = alip_read_string(object, isAttribute ? 1 : 0, &status) else {
                if status == 1 { throw HDF5Error(file: url, object: path, "\(what) holds more than one string") }
                throw corrupt
            }
            defer { free(cString) }
            return .string(String(cString: cString))
        case H5T_FLOAT:
            let values = try read(alip_H5T_NATIVE_DOUBLE(), 0.0)
            return isScalar ? .double(values[0]) : .doubles(values)
        case H5T_INTEGER:
            let unsigned = H5Tget_sign(type) == H5T_SGN_NONE
            if unsigned && (!isScalar || H5Tget_size(type) >= 8) {
                return .words(try read(alip_H5T_NATIVE_UINT64(), UInt64(0)))
            }
            guard isScalar else {
                throw HDF5Error(file: url, object: path, "\(what) is a signed integer array; expected a scalar or uint64 words")
            }
            return .int(Int(try read(alip_H5T_NATIVE_INT64(), Int64(0))[0]))
        default:
            throw HDF5Error(file: url, object: path, "\(what) has an unsupported type (not a number or string)")
        }
    }
}
