/* bulwark/version.h -- the library's version. */
#ifndef BULWARK_VERSION_H
#define BULWARK_VERSION_H

#define BW_VERSION_MAJOR 0
#define BW_VERSION_MINOR 1
#define BW_VERSION_PATCH 0
#define BW_VERSION_STRING "0.1.0"

#ifdef __cplusplus
extern "C" {
#endif
/* The version of the library linked at run time, e.g. "0.1.0". */
const char *bw_version(void);
#ifdef __cplusplus
}
#endif
#endif
