// tokenizer_variant_dir / ensure_tokenizer_variant: base meta.json -> settings -> hashed directory.
#include "data/tokenizer_variant.h"

#include <filesystem>

#include "absl/strings/str_format.h"
#include "core/file_lock.h"
#include "core/files.h"
#include "core/hash.h"
#include "core/log.h"
#include "data/prepare.h"
#include "data/tokenizer_spec.h"

namespace sl {
namespace {
namespace fs = std::filesystem;

struct Variant {
  std::string dir;
  PrepareOptions options;
  bool is_base = false;
};

absl::StatusOr<Variant> variant_of(const std::string& base_dir, const std::string& tokenizer) {
  SL_ASSIGN_OR_RETURN(const TokenizerSpec spec, parse_tokenizer_spec(tokenizer));
  const std::string meta_path = (fs::path(base_dir) / "meta.json").string();
  if (!path_exists(meta_path))
    return absl::NotFoundError(absl::StrCat(
        "data.tokenizer ", tokenizer, " re-makes the dataset ", base_dir,
        " from its source, but it has no meta.json to say which: prepare it with `scalelab "
        "prepare` first"));
  SL_ASSIGN_OR_RETURN(const DatasetMeta base, read_dataset_meta(meta_path));
  if (base.source.empty() || base.source.find("+mix(") != std::string::npos)
    return absl::FailedPreconditionError(absl::StrCat(
        meta_path, " has source \"", base.source,
        "\", which prepare cannot re-make (no source, or probe-task text mixed in): prepare "
        "each tokenizer's dataset yourself and sweep data.path instead"));
  Variant v;
  v.options.source = base.source;
  v.options.tokenizer = spec.to_string();
  v.options.split.val_fraction = base.val_fraction;
  v.options.split.seed = base.split_seed;
  v.options.split.block_tokens = base.block_tokens;
  v.options.layout = base.layout;
  if (base.tokenizer_spec == spec.to_string()) {
    v.dir = base_dir;
    v.is_base = true;
    return v;
  }
  const std::string key = absl::StrFormat(
      "source=%s\ntokenizer=%s\nval_fraction=%.17g\nsplit_seed=%d\nblock_tokens=%d\nformat=%s\n",
      base.source, spec.to_string(), base.val_fraction, base.split_seed, base.block_tokens,
      token_layout_name(base.layout));
  std::string base_name = fs::path(base_dir).lexically_normal().string();
  while (!base_name.empty() && base_name.back() == '/') base_name.pop_back();
  v.dir = absl::StrCat(base_name, "-", spec.kind,
                       spec.trained() ? std::to_string(spec.vocab_size) : "", "-", short_hash(key));
  return v;
}
}  // namespace

absl::StatusOr<std::string> tokenizer_variant_dir(const std::string& base_dir,
                                                  const std::string& tokenizer) {
  SL_ASSIGN_OR_RETURN(Variant v, variant_of(base_dir, tokenizer));
  return v.dir;
}

absl::StatusOr<std::string> ensure_tokenizer_variant(const std::string& base_dir,
                                                     const std::string& tokenizer,
                                                     const std::string& cache_dir) {
  SL_ASSIGN_OR_RETURN(Variant v, variant_of(base_dir, tokenizer));
  if (v.is_base) return v.dir;
  auto made_here = [&]() {
    const std::string meta_path = (fs::path(v.dir) / "meta.json").string();
    if (!path_exists(meta_path)) return false;
    auto meta = read_dataset_meta(meta_path);
    return meta.ok() && meta->source == v.options.source &&
           meta->tokenizer_spec == v.options.tokenizer && meta->split_seed == v.options.split.seed;
  };
  if (made_here()) return v.dir;
  SL_RETURN_IF_ERROR(ensure_writable_dir(fs::path(v.dir).parent_path().string()));
  SL_ASSIGN_OR_RETURN(FileLock lock, FileLock::try_acquire(v.dir + ".lock"));
  if (made_here()) return v.dir;  // prepared while we waited for the lock
  log::info(
      absl::StrCat("preparing ", v.dir, ": ", v.options.source, " with ", v.options.tokenizer));
  v.options.out_dir = v.dir;
  v.options.cache_dir = cache_dir;
  SL_RETURN_IF_ERROR(prepare_dataset(v.options).status());
  return v.dir;
}
}  // namespace sl
