// libjpeg-turbo's TurboJPEG API (Debian: libturbojpeg0-dev). It reports errors by return code,
// never by exit() or longjmp across Swift frames, and supports scaled (DCT) decoding.
#include <turbojpeg.h>
