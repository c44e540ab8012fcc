// libpng's simplified API (png_image_*), which reports errors through the png_image struct
// instead of longjmp (Debian: libpng-dev).
#include <png.h>
