// Program files (native/tools/program_file.h): a hand-written file is read and run
// (Relu of x + c, checked element by element), and every truncation and 3000 seeded
// byte mutations of it are refused with an aivm::Error or read safely — never a crash
// (this binary also runs under ASan + UBSan).
#include "test_util.h"
#include "tools/program_file.h"

namespace {

struct Bytes {
  std::vector<uint8_t> b;
  template <class T> void num(T v) {
    uint8_t raw[sizeof(T)];
    std::memcpy(raw, &v, sizeof(T));
    b.insert(b.end(), raw, raw + sizeof(T));
  }
  void str(const std::string& s) {
    num<uint32_t>(uint32_t(s.size()));
    b.insert(b.end(), s.begin(), s.end());
  }
  void floats(const std::vector<float>& v) {
    for (float f : v) num<float>(f);
  }
};

// values: 0 x f32[1,4] (input), 1 c f32[4] (constant), 2 s f32[1,4], 3 y f32[1,4]
std::vector<uint8_t> tiny_file() {
  Bytes w;
  for (char c : std::string("AIVMPRG1")) w.num<uint8_t>(uint8_t(c));
  w.num<uint32_t>(4);
  for (int v = 0; v < 4; ++v) {
    w.num<uint8_t>(1);
    if (v == 1) {
      w.num<uint8_t>(1);
      w.num<int64_t>(4);
    } else {
      w.num<uint8_t>(2);
      w.num<int64_t>(1);
      w.num<int64_t>(4);
    }
  }
  w.num<uint32_t>(1);  // constant c
  w.num<uint32_t>(1);
  w.num<uint64_t>(16);
  w.floats({0.5f, -3.0f, 2.0f, -0.25f});
  w.num<uint32_t>(1);  // input x
  w.num<uint32_t>(0);
  w.num<uint64_t>(16);
  w.floats({1.0f, 2.0f, -3.0f, 0.0f});
  w.num<uint32_t>(1);  // outputs
  w.num<uint32_t>(3);
  w.num<uint32_t>(2);  // nodes
  w.str("add");
  w.str("Add");
  w.num<uint32_t>(2);
  w.num<int32_t>(0);
  w.num<int32_t>(1);
  w.num<uint32_t>(1);
  w.num<int32_t>(2);
  w.num<uint32_t>(0);
  w.str("leaky");
  w.str("LeakyRelu");
  w.num<uint32_t>(1);
  w.num<int32_t>(2);
  w.num<uint32_t>(1);
  w.num<int32_t>(3);
  w.num<uint32_t>(1);
  w.str("alpha");
  w.num<uint8_t>(1);
  w.num<float>(0.5f);
  w.str("0x" + std::string(64, '0'));
  w.str("tiny");
  w.str("one");
  return w.b;
}

}  // namespace

TEST(reads_and_runs_a_hand_written_file) {
  aivm::ProgramFile f = aivm::read_program_file(tiny_file());
  CHECK(f.kernel == "tiny" && f.vector == "one" && f.inputs.size() == 1);
  aivm::Program program(std::move(f.spec));
  aivm::Engine engine;
  for (aivm::Isa isa : aivm::available_isas()) {
    std::vector<aivm::Tensor> out = program.run(engine, {&f.inputs[0]}, isa, 2);
    // x + c = [1.5, -1, -1, -0.25]; LeakyRelu(0.5) = [1.5, -0.5, -0.5, -0.125]
    const float want[4] = {1.5f, -0.5f, -0.5f, -0.125f};
    CHECK(out.size() == 1 && out[0].numel() == 4);
    for (int i = 0; i < 4; ++i) CHECK_MSG(out[0].ptr<float>()[i] == want[i], aivm::isa_name(isa));
  }
}

TEST(every_truncation_is_refused) {
  std::vector<uint8_t> full = tiny_file();
  for (size_t cut = 0; cut < full.size(); ++cut) {
    std::vector<uint8_t> part(full.begin(), full.begin() + long(cut));
    CHECK_THROWS_CODE(E_ARG, aivm::read_program_file(part));
  }
  std::vector<uint8_t> longer = full;
  longer.push_back(0);
  CHECK_THROWS_CODE(E_ARG, aivm::read_program_file(longer));
}

TEST(mutations_read_safely_or_fail_with_an_aivm_error) {
  std::vector<uint8_t> full = tiny_file();
  uint64_t state = 0x9E3779B97F4A7C15ull;
  int refused = 0, read = 0;
  for (int i = 0; i < 3000; ++i) {
    std::vector<uint8_t> b = full;
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    b[size_t(state >> 33) % b.size()] = uint8_t(state >> 17);
    try {
      aivm::ProgramFile f = aivm::read_program_file(b);
      aivm::Program program(std::move(f.spec));  // the Program validates what the reader let through
      aivm::Engine engine;
      std::vector<const aivm::Tensor*> ins;
      for (const aivm::Tensor& t : f.inputs) ins.push_back(&t);
      program.run(engine, ins, aivm::Isa::SCALAR, 1);
      ++read;
    } catch (const aivm::Error&) {
      ++refused;
    }
  }
  CHECK(read + refused == 3000);
  CHECK(refused > 0 && read > 0);
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
