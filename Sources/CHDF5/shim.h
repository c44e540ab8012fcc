// HDF5 (serial) C API. Its convenience macros (H5P_DEFAULT, H5T_NATIVE_FLOAT, ...) expand to
// expressions Swift cannot import, so each one used is wrapped in a static inline function here.
#include <hdf5.h>

static inline hid_t alip_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t alip_H5S_ALL(void) { return H5S_ALL; }
static inline unsigned alip_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned alip_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline unsigned alip_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline hid_t alip_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t alip_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t alip_H5T_NATIVE_INT32(void) { return H5T_NATIVE_INT32; }
static inline hid_t alip_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t alip_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t alip_H5T_C_S1(void) { return H5T_C_S1; }
static inline hid_t alip_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t alip_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t alip_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline size_t alip_H5T_VARIABLE(void) { return H5T_VARIABLE; }
static inline hid_t alip_H5P_GROUP_CREATE(void) { return H5P_GROUP_CREATE; }
static inline hid_t alip_H5T_NATIVE_UINT64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t alip_H5T_IEEE_F32LE(void) { return H5T_IEEE_F32LE; }
static inline hid_t alip_H5T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }
static inline hid_t alip_H5T_STD_I32LE(void) { return H5T_STD_I32LE; }
static inline hid_t alip_H5T_STD_I64LE(void) { return H5T_STD_I64LE; }
static inline hid_t alip_H5T_STD_U64LE(void) { return H5T_STD_U64LE; }
static inline unsigned alip_H5Z_FILTER_DEFLATE(void) { return H5Z_FILTER_DEFLATE; }
/// Turns off HDF5's automatic error printing to stderr (errors are reported as Swift errors instead).
static inline void alip_hdf5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

#include <stdlib.h>
#include <string.h>

/// The type of the object at `name` (relative to `loc`), or H5O_TYPE_UNKNOWN when there is none or it
/// cannot be read. Wraps the versioned H5Oget_info_by_name* family (a macro in HDF5's headers).
static inline H5O_type_t alip_object_type(hid_t loc, const char *name) {
#if H5_VERSION_GE(1, 12, 0)
    H5O_info2_t info;
    if (H5Oget_info_by_name3(loc, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return H5O_TYPE_UNKNOWN;
#elif H5_VERSION_GE(1, 10, 3)
    H5O_info_t info;
    if (H5Oget_info_by_name2(loc, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return H5O_TYPE_UNKNOWN;
#else
    H5O_info_t info;
    if (H5Oget_info_by_name(loc, name, &info, H5P_DEFAULT) < 0) return H5O_TYPE_UNKNOWN;
#endif
    return info.type;
}

/// The number of attributes on the object at `name` (relative to `loc`), or -1 on failure.
static inline long long alip_attribute_count(hid_t loc, const char *name) {
#if H5_VERSION_GE(1, 12, 0)
    H5O_info2_t info;
    if (H5Oget_info_by_name3(loc, name, &info, H5O_INFO_NUM_ATTRS, H5P_DEFAULT) < 0) return -1;
#elif H5_VERSION_GE(1, 10, 3)
    H5O_info_t info;
    if (H5Oget_info_by_name2(loc, name, &info, H5O_INFO_NUM_ATTRS, H5P_DEFAULT) < 0) return -1;
#else
    H5O_info_t info;
    if (H5Oget_info_by_name(loc, name, &info, H5P_DEFAULT) < 0) return -1;
#endif
    return (long long)info.num_attrs;
}

/// Reads a one-element string attribute (`is_attribute` != 0) or dataset, variable- or fixed-length,
/// into a malloc'd NUL-terminated copy (release it with `free`). `*status`: 0 read, 1 the object is
/// not a single string, 2 the read failed.
static inline char *alip_read_string(hid_t object, int is_attribute, int *status) {
    *status = 2;
    char *result = NULL;
    hid_t ftype = is_attribute ? H5Aget_type(object) : H5Dget_type(object);
    if (ftype < 0) return NULL;
    hid_t space = is_attribute ? H5Aget_space(object) : H5Dget_space(object);
    if (space < 0) { H5Tclose(ftype); return NULL; }
    if (H5Tget_class(ftype) != H5T_STRING || H5Sget_simple_extent_npoints(space) != 1) {
        *status = 1;
    } else {
        hid_t mtype = H5Tcopy(H5T_C_S1);
        H5Tset_cset(mtype, H5Tget_cset(ftype));
        if (H5Tis_variable_str(ftype) > 0) {
            char *p = NULL;
            H5Tset_size(mtype, H5T_VARIABLE);
            herr_t rc = is_attribute ? H5Aread(object, mtype, &p)
                                     : H5Dread(object, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, &p);
            if (rc >= 0) {
                result = strdup(p ? p : "");
                if (p) H5free_memory(p);
                *status = result ? 0 : 2;
            }
        } else {
            size_t size = H5Tget_size(ftype);
            char *buffer = (char *)calloc(size + 1, 1);
            H5Tset_size(mtype, size + 1);
            H5Tset_strpad(mtype, H5T_STR_NULLTERM);
            herr_t rc = -1;
            if (buffer) rc = is_attribute ? H5Aread(object, mtype, buffer)
                                          : H5Dread(object, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
            if (rc >= 0) { result = buffer; *status = 0; } else free(buffer);
        }
        H5Tclose(mtype);
    }
    H5Sclose(space);
    H5Tclose(ftype);
    return result;
}

/// Writes `value` as a scalar variable-length UTF-8 string: attribute `attribute` of the object at
/// `path` when `attribute` is non-NULL (replacing one of that name), else a new dataset at `path`
/// (intermediate groups created). Returns a negative value on failure.
static inline herr_t alip_write_string(hid_t file, const char *path, const char *attribute, const char *value) {
    herr_t rc = -1;
    hid_t type = H5Tcopy(H5T_C_S1);
    if (type < 0) return -1;
    hid_t space = H5Screate(H5S_SCALAR);
    if (space < 0) { H5Tclose(type); return -1; }
    if (H5Tset_size(type, H5T_VARIABLE) >= 0 && H5Tset_cset(type, H5T_CSET_UTF8) >= 0) {
        if (attribute) {
            if (H5Aexists_by_name(file, path, attribute, H5P_DEFAULT) > 0)
                H5Adelete_by_name(file, path, attribute, H5P_DEFAULT);
            hid_t attr = H5Acreate_by_name(file, path, attribute, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            if (attr >= 0) { rc = H5Awrite(attr, type, &value); H5Aclose(attr); }
        } else {
            hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
            if (lcpl >= 0 && H5Pset_create_intermediate_group(lcpl, 1) >= 0) {
                hid_t dset = H5Dcreate2(file, path, type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
                if (dset >= 0) {
                    rc = H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value);
                    H5Dclose(dset);
                }
            }
            if (lcpl >= 0) H5Pclose(lcpl);
        }
    }
    H5Sclose(space);
    H5Tclose(type);
    return rc;
}
