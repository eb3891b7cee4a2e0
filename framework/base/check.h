// Invariant checks for programming errors inside the framework.
//
// SIAMESE_CHECK(cond) << "op: message";  aborts with file:line, the failed
// condition and the streamed message. Used only for broken invariants (shape
// mismatch between two ops, a tensor in the wrong layout); user input errors
// are reported with absl::Status instead. Active in every build mode.
#ifndef SIAMESE_FRAMEWORK_BASE_CHECK_H_
#define SIAMESE_FRAMEWORK_BASE_CHECK_H_

#include <sstream>

namespace siamese {
namespace internal {

class FatalMessage {
 public:
  FatalMessage(const char* file, int line, const char* condition);
  [[noreturn]] ~FatalMessage();
  std::ostream& stream() { return stream_; }

 private:
  std::ostringstream stream_;
};

// Makes `cond ? (void)0 : FatalMessage() << ...` type-check.
struct Voidify {
  void operator&(std::ostream&) {}
};

}  // namespace internal
}  // namespace siamese

#define SIAMESE_CHECK(cond)                 \
  (cond) ? (void)0                          \
         : ::siamese::internal::Voidify() & \
               ::siamese::internal::FatalMessage(__FILE__, __LINE__, #cond).stream()

#endif  // SIAMESE_FRAMEWORK_BASE_CHECK_H_
