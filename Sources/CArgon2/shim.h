#ifndef BALIE_CARGON2_SHIM_H
#define BALIE_CARGON2_SHIM_H
#include <argon2.h>
#endif
