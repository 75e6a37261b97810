#ifndef MINSHENG_CRDKAFKA_SHIM_H
#define MINSHENG_CRDKAFKA_SHIM_H
#include <librdkafka/rdkafka.h>
#endif
