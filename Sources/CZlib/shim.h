// zlib (Debian: zlib1g-dev, installed with libhdf5-dev): gzip reading for the shipped MNIST subset
// and CLIP's bpe_simple_vocab_16e6.txt.gz. gzread also reads uncompressed files unchanged.
#include <zlib.h>
