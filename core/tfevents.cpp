#include "core/tfevents.h"

#include <cstring>

namespace sl {
namespace {
// Protocol buffer wire types.
constexpr int kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5;

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
void put_tag(std::string& out, int field, int wire) {
  put_varint(out, (static_cast<uint64_t>(field) << 3) | wire);
}
void put_fixed(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put_bytes(std::string& out, int field, std::string_view bytes) {
  put_tag(out, field, kBytes);
  put_varint(out, bytes.size());
  out.append(bytes);
}

// One field of a message, read in order.
struct WireField {
  int number = 0, wire = 0;
  uint64_t value = 0;     // varint and fixed fields
  std::string_view data;  // length-delimited fields
};

class WireReader {
 public:
  explicit WireReader(std::string_view in) : in_(in) {}
  bool done() const { return at_ == in_.size(); }
  absl::Status next(WireField* f) {
    uint64_t key = 0;
    SL_RETURN_IF_ERROR(varint(&key));
    f->number = static_cast<int>(key >> 3);
    f->wire = static_cast<int>(key & 7);
    switch (f->wire) {
      case kVarint: return varint(&f->value);
      case kFixed64: return fixed(8, &f->value);
      case kFixed32: return fixed(4, &f->value);
      case kBytes: {
        uint64_t n = 0;
        SL_RETURN_IF_ERROR(varint(&n));
        if (n > in_.size() - at_) return error("a length-delimited field runs past the end");
        f->data = in_.substr(at_, n);
        at_ += n;
        return absl::OkStatus();
      }
      default: return error("an unknown wire type");
    }
  }

 private:
  absl::Status varint(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at_ == in_.size()) return error("a varint runs past the end");
      const uint8_t b = static_cast<uint8_t>(in_[at_++]);
      *v |= uint64_t{b & 0x7Fu} << shift;
      if (!(b & 0x80)) return absl::OkStatus();
    }
    return error("a varint longer than 10 bytes");
  }
  absl::Status fixed(int bytes, uint64_t* v) {
    if (in_.size() - at_ < static_cast<size_t>(bytes))
      return error("a fixed field runs past the end");
    *v = 0;
    for (int i = 0; i < bytes; ++i) *v |= uint64_t{static_cast<uint8_t>(in_[at_ + i])} << (8 * i);
    at_ += bytes;
    return absl::OkStatus();
  }
  static absl::Status error(const char* what) {
    return absl::DataLossError(absl::StrCat("not an Event protocol buffer: ", what));
  }

  std::string_view in_;
  size_t at_ = 0;
};

absl::Status decode_value(std::string_view bytes, TfEvent* e) {
  std::string tag;
  float value = 0;
  bool simple = false;
  WireReader r(bytes);
  while (!r.done()) {
    WireField f;
    SL_RETURN_IF_ERROR(r.next(&f));
    if (f.number == 1 && f.wire == kBytes) tag = std::string(f.data);
    if (f.number == 2 && f.wire == kFixed32) {
      const uint32_t bits = static_cast<uint32_t>(f.value);
      std::memcpy(&value, &bits, sizeof value);
      simple = true;
    }
  }
  if (simple) e->scalars.emplace_back(std::move(tag), value);  // other kinds of value: skipped
  return absl::OkStatus();
}
}  // namespace

std::string encode_event(const TfEvent& e) {
  std::string out;
  if (e.wall_time != 0) {
    uint64_t bits;
    std::memcpy(&bits, &e.wall_time, sizeof bits);
    put_tag(out, 1, kFixed64);
    put_fixed(out, bits, 8);
  }
  if (e.step != 0) {
    put_tag(out, 2, kVarint);
    put_varint(out, static_cast<uint64_t>(e.step));  // negative: ten bytes, as proto3 does
  }
  if (!e.file_version.empty()) {
    put_bytes(out, 3, e.file_version);
  } else if (e.session_start) {
    std::string log;
    put_tag(log, 1, kVarint);
    put_varint(log, 1);  // SessionLog.START
    put_bytes(out, 7, log);
  } else if (!e.scalars.empty()) {
    std::string summary;
    for (const auto& [tag, value] : e.scalars) {
      std::string v;
      put_bytes(v, 1, tag);
      uint32_t bits;
      std::memcpy(&bits, &value, sizeof bits);
      put_tag(v, 2, kFixed32);
      put_fixed(v, bits, 4);
      put_bytes(summary, 1, v);
    }
    put_bytes(out, 5, summary);
  }
  return out;
}

absl::StatusOr<TfEvent> decode_event(std::string_view bytes) {
  TfEvent e;
  WireReader r(bytes);
  while (!r.done()) {
    WireField f;
    SL_RETURN_IF_ERROR(r.next(&f));
    if (f.number == 1 && f.wire == kFixed64) {
      std::memcpy(&e.wall_time, &f.value, sizeof e.wall_time);
    } else if (f.number == 2 && f.wire == kVarint) {
      e.step = static_cast<int64_t>(f.value);
    } else if (f.number == 3 && f.wire == kBytes) {
      e.file_version = std::string(f.data);
    } else if (f.number == 5 && f.wire == kBytes) {
      WireReader summary(f.data);
      while (!summary.done()) {
        WireField v;
        SL_RETURN_IF_ERROR(summary.next(&v));
        if (v.number == 1 && v.wire == kBytes) SL_RETURN_IF_ERROR(decode_value(v.data, &e));
      }
    } else if (f.number == 7 && f.wire == kBytes) {
      WireReader log(f.data);
      while (!log.done()) {
        WireField s;
        SL_RETURN_IF_ERROR(log.next(&s));
        if (s.number == 1 && s.wire == kVarint) e.session_start = s.value == 1;
      }
    }
  }
  return e;
}
}  // namespace sl
