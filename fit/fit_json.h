// JSON forms of each fit, as written to fit.json (numbers that do not exist, like a standard error
// from two points, are null). Keys are documented in docs/fit.md.
#pragma once
#include "fit/bootstrap.h"
#include "fit/envelope.h"
#include "fit/isoflop.h"
#include "fit/kaplan.h"
#include "nlohmann/json.hpp"

namespace sl {
nlohmann::json chinchilla_to_json(const ChinchillaFit& fit, const std::vector<ScalingPoint>& points,
                                  const BootstrapResult* boot);
nlohmann::json isoflop_to_json(const IsoflopFit& fit, const std::vector<ScalingPoint>& points);
nlohmann::json envelope_to_json(const EnvelopeFit& fit, const CurveData& data);
nlohmann::json kaplan_to_json(const KaplanFit& fit, const std::vector<ScalingPoint>& points);
nlohmann::json loglog_line_to_json(const LogLogLine& line);
}  // namespace sl
