// The readable form of each fit, printed by `scalelab fit` (the same numbers as fit.json).
#pragma once
#include <string>

#include "fit/bootstrap.h"
#include "fit/envelope.h"
#include "fit/isoflop.h"
#include "fit/kaplan.h"

namespace sl {
std::string chinchilla_table(const ChinchillaFit& fit, size_t points, const BootstrapResult* boot);
std::string isoflop_table(const IsoflopFit& fit);
std::string envelope_table(const EnvelopeFit& fit, const CurveData& data);
std::string kaplan_table(const KaplanFit& fit);
}  // namespace sl
