// Test helper (testonly): the PyTorch fixture in tests/pytorch_fixture/
// (made by tools/pytorch_fixture/make_fixture.py): a 2-block CNN with batch
// norm whose weights carry PyTorch's nn.Sequential state_dict names.
#ifndef SIAMESE_FRAMEWORK_TRAIN_PYTORCH_FIXTURE_TESTUTIL_H_
#define SIAMESE_FRAMEWORK_TRAIN_PYTORCH_FIXTURE_TESTUTIL_H_

namespace siamese {
namespace testing_train {

// The framework encoder the fixture's network mirrors (embedding_dim 8,
// 1 x 8 x 8 inputs).
constexpr char kPytorchFixtureCnn[] =
    "[siamese.cnn] { conv { channels: 4 } conv { channels: 8 } batch_norm: true fc: 16 }";

// PyTorch's names -> the framework's, as init { name_map } lines. The
// longest from_prefix wins, so the batch-norm weight and bias go to gamma
// and beta while their statistics keep their names under bn<i>.
constexpr char kPytorchFixtureNameMap[] = R"(
name_map { from_prefix: "features.0." to_prefix: "conv0." }
name_map { from_prefix: "features.1." to_prefix: "bn0." }
name_map { from_prefix: "features.1.weight" to_prefix: "bn0.gamma" }
name_map { from_prefix: "features.1.bias" to_prefix: "bn0.beta" }
name_map { from_prefix: "features.4." to_prefix: "conv1." }
name_map { from_prefix: "features.5." to_prefix: "bn1." }
name_map { from_prefix: "features.5.weight" to_prefix: "bn1.gamma" }
name_map { from_prefix: "features.5.bias" to_prefix: "bn1.beta" }
name_map { from_prefix: "head.1." to_prefix: "fc0." }
name_map { from_prefix: "head.3." to_prefix: "out." }
)";

}  // namespace testing_train
}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_PYTORCH_FIXTURE_TESTUTIL_H_
