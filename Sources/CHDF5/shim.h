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
/// Turns off HDF5's automatic error printing to stderr (errors are reported as Swift errors instead).
static inline void alip_hdf5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
