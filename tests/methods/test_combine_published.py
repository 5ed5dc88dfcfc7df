"""Combination weighting (组合赋权) against published worked examples.

Each test feeds the weights a paper prints through ``combine_weights`` and compares
with the combined weights (and, for game theory, the combination coefficients) the
paper prints. The papers print their inputs rounded (to 3 or 4 decimals), so the
outputs are compared to the printed precision with a tolerance of about one unit in
the last printed digit; where a printed figure contradicts the paper's own other
figures, the test says so and does not use it.

The multiplicative form is checked against Zavadskas & Podvezko (2016) in
``test_weights_more.py`` (the function) and here through a spec build. The game-theory and
minimum-information papers print weights but not the data their objective weights came from,
so those two are checked at the function level only.
"""

from __future__ import annotations

import numpy as np
import pytest

from dtindex.methods.combine import combine_weights


def test_game_theory_su_et_al_2022_flood_risk_wuwei():
    """Su Guangquan, Lyu Haishen, Zhu Yonghua, Chen Tingxing, Hua Jiacheng (2022).
    基于博弈论组合赋权的洪水风险评价——以武威地区为例 (flood-risk assessment with game-theory
    combination weighting: Wuwei), ChinaXiv preprint chinaxiv:202206.00023, section 2.1 and
    Table 1 (表1 洪水风险评价指标赋权结果).

    Seven indicators (RF, RFT, DEM, NDVI, DR, POP, GDP); entropy weights W1 and AHP weights W2
    printed to 3 decimals; the paper solves ``[[w_k . w_l]] beta = [w_k . w_k]`` (its eq. 9),
    normalises beta and prints beta_1 = 0.525 (entropy), beta_2 = 0.475 (AHP) and the combined
    weights.

    The printed AHP column sums to 1.002 (rounding); rescaled to 1 (as ``combine_weights`` does,
    and as the unrounded AHP weights did) the coefficients come out 0.5246 / 0.4754, i.e. the
    printed 0.525 / 0.475. Of the combined weights, RF 0.233, RFT 0.166, DEM 0.058, POP 0.226 and
    GDP 0.208 are reproduced exactly at 3 decimals. The printed NDVI (0.038) and DR (0.072)
    entries contradict the paper's own coefficients (0.525 x 0.071 + 0.475 x 0.067 = 0.069 for
    NDVI, 0.525 x 0.011 + 0.475 x 0.073 = 0.040 for DR), so those two are checked against the
    values the printed coefficients imply instead.
    """
    entropy = [0.070, 0.197, 0.009, 0.071, 0.011, 0.306, 0.336]
    ahp = [0.413, 0.131, 0.113, 0.067, 0.073, 0.138, 0.067]
    res = combine_weights(ahp, entropy, rule="game_theory")
    # coefficients are (subjective, objective) = (AHP, entropy) = (beta_2, beta_1)
    assert np.round(res.coefficients, 3).tolist() == [0.475, 0.525]
    w = np.round(res.weights, 3)
    printed = {0: 0.233, 1: 0.166, 2: 0.058, 5: 0.226, 6: 0.208}
    assert {j: w[j] for j in printed} == printed
    # NDVI and DR: the values the printed coefficients give (see the docstring)
    assert w[3] == pytest.approx(0.525 * 0.071 + 0.475 * 0.067, abs=1e-3)
    assert w[4] == pytest.approx(0.525 * 0.011 + 0.475 * 0.073, abs=1e-3)


def test_game_theory_hou_wang_2021_open_pit_slope():
    """Hou Kepeng, Wang Lidie (2021). 基于改进的FAHP-CRITIC法与云理论的露天矿边坡危险性评估模型
    (slope-hazard assessment of open-pit mines with improved FAHP-CRITIC and cloud theory),
    安全与环境学报 (Journal of Safety and Environment) 21(6), 2443-2451,
    doi:10.13637/j.issn.1009-6094.2020.1302, section 4.1.

    Eleven indicators x1..x11: FAHP weights w1 (section 4.1.1) and CRITIC weights w2 (section
    4.1.2) printed to 4 decimals; section 4.1.3 prints the Gram entries w1.w1 = 0.13187272,
    w1.w2 = 0.07394352, w2.w2 = 0.13443172, the normalised coefficients alpha* = 0.4953 (FAHP),
    0.5047 (CRITIC) and w* = (0.0943, 0.0628, 0.0695, 0.0461, 0.1400, 0.1259, 0.1269, 0.1232,
    0.0379, 0.0669, 0.1054).

    The printed w1 sums to 0.998: x4 is printed 0.0533 though its initial weight equals those of
    x8 and x9 (0.2240, which give 0.0553), and the paper's Gram entries and w* were computed with
    the printed 0.0533 (they are reproduced exactly from it). The paper's coefficients are not
    the exact solution of its own system (which gives 0.4940 / 0.5060 from those Gram entries),
    but w* is exactly 0.4953 w1 + 0.5047 w2. ``combine_weights`` rescales w1 to sum 1 and solves
    the system exactly: its coefficients agree with the printed ones at 3 decimals (0.495 /
    0.505) and its combined weights within 0.00025 of the printed w*.
    """
    w1 = [0.1691, 0.0764, 0.0828, 0.0533, 0.2469, 0.0828, 0.0763, 0.0553, 0.0553, 0.0111, 0.0887]
    w2 = [0.0209, 0.0495, 0.0565, 0.0390, 0.0351, 0.1682, 0.1766, 0.1899, 0.0209, 0.1217, 0.1217]
    # the paper's Gram entries come from the printed vectors as printed
    a, b = np.asarray(w1), np.asarray(w2)
    assert (round(a @ a, 8), round(a @ b, 8), round(b @ b, 8)) == (0.13187272, 0.07394352, 0.13443172)
    res = combine_weights(w1, w2, rule="game_theory")
    assert np.round(res.coefficients, 3).tolist() == [0.495, 0.505]
    printed = [0.0943, 0.0628, 0.0695, 0.0461, 0.1400, 0.1259, 0.1269, 0.1232, 0.0379, 0.0669, 0.1054]
    np.testing.assert_allclose(res.weights, printed, atol=2.5e-4)


def test_linear_mix_with_the_stated_coefficients_hou_wang_2021_and_su_et_al_2022():
    """The linear rule ``w = alpha w_subjective + (1 - alpha) w_objective`` with a stated alpha.

    Both game-theory papers above state their combination coefficients and print the combined
    weights as that linear mix of the two printed weight vectors (their eq. for w*), so they are
    published examples of the linear form with a stated coefficient as well:

    * Hou & Wang (2021), section 4.1.3: alpha* = 0.4953 (FAHP w1), 0.5047 (CRITIC w2); w* as
      printed. Mixed from the vectors exactly as printed, all eleven printed w* are reproduced at 4
      decimals; ``combine_weights`` rescales w1 (printed sum 0.998) to 1 first, which moves the
      result by at most 0.00025.
    * Su et al. (2022), Table 1: beta = 0.475 (AHP), 0.525 (entropy); RF 0.233, RFT 0.166, DEM 0.058,
      POP 0.226, GDP 0.208 reproduced at 3 decimals (the printed NDVI and DR entries contradict the
      stated coefficients, see the game-theory test above).
    """
    w1 = [0.1691, 0.0764, 0.0828, 0.0533, 0.2469, 0.0828, 0.0763, 0.0553, 0.0553, 0.0111, 0.0887]
    w2 = [0.0209, 0.0495, 0.0565, 0.0390, 0.0351, 0.1682, 0.1766, 0.1899, 0.0209, 0.1217, 0.1217]
    printed = [0.0943, 0.0628, 0.0695, 0.0461, 0.1400, 0.1259, 0.1269, 0.1232, 0.0379, 0.0669, 0.1054]
    as_printed = 0.4953 * np.asarray(w1) + 0.5047 * np.asarray(w2)
    assert np.round(as_printed, 4).tolist() == printed
    res = combine_weights(w1, w2, rule="linear", alpha=0.4953)
    assert res.coefficients == pytest.approx((0.4953, 0.5047))
    np.testing.assert_allclose(res.weights, printed, atol=2.5e-4)
    ahp = [0.413, 0.131, 0.113, 0.067, 0.073, 0.138, 0.067]
    entropy = [0.070, 0.197, 0.009, 0.071, 0.011, 0.306, 0.336]
    w = np.round(combine_weights(ahp, entropy, rule="linear", alpha=0.475).weights, 3)
    assert {j: w[j] for j in (0, 1, 2, 5, 6)} == {0: 0.233, 1: 0.166, 2: 0.058, 5: 0.226, 6: 0.208}


def test_min_information_he_et_al_2018_weigan_kuqa_oasis():
    """He Zhenzhen, Wang Hongwei, Yang Shengtian, Liu Xiangyun, Wang Pan, Wang Hui (2018).
    塔里木盆地中北部绿洲生态安全评价 (ecological security of the Weigan-Kuqa oasis, northern
    Tarim Basin), ChinaXiv preprint chinaxiv:201806.00039, section 2.3.3 (eq. 4) and Table 3
    (表3 绿洲生态安全评价指标体系及权重).

    The paper combines the AHP (subjective) and entropy (objective) weights of its 25 indicators
    by the minimum relative information entropy principle, ``w_j = (u_j v_j)^0.5 / sum_l (u_l
    v_l)^0.5``, and prints all three columns to 4 decimals. (The printed AHP column sums to
    1.0375, a misprint in some entry; the rule is invariant to rescaling either vector, and the
    combined column is reproduced from the printed values.) All 25 combined weights are
    reproduced within one unit of the 4th decimal (the inputs are rounded to 4 decimals).
    """
    objective = [0.0353, 0.0360, 0.0341, 0.0484, 0.0675, 0.0625, 0.0228, 0.0461, 0.0382, 0.0565, 0.0395,
                 0.0211, 0.0552, 0.0518, 0.0224, 0.0478, 0.0654, 0.0211, 0.0412, 0.0183, 0.0389, 0.0235,
                 0.0463, 0.0284, 0.0316]
    subjective = [0.0207, 0.0751, 0.0106, 0.0676, 0.0252, 0.0282, 0.0368, 0.0113, 0.0123, 0.0178, 0.0451,
                  0.0258, 0.0422, 0.0510, 0.0603, 0.1186, 0.0382, 0.0314, 0.0195, 0.0570, 0.0286, 0.0137,
                  0.1239, 0.0493, 0.0273]
    printed = [0.0284, 0.0547, 0.0200, 0.0601, 0.0434, 0.0442, 0.0305, 0.0240, 0.0228, 0.0334, 0.0444,
               0.0245, 0.0508, 0.0541, 0.0386, 0.0792, 0.0525, 0.0271, 0.0298, 0.0339, 0.0351, 0.0188,
               0.0797, 0.0393, 0.0309]
    res = combine_weights(subjective, objective, rule="min_information")
    np.testing.assert_allclose(res.weights, printed, atol=1.5e-4)
    assert res.coefficients == ()


ZP_SPEC = """\
name: idocriw-zavadskas-podvezko-2016
framework:
  code: IDX
  name: {en: IDOCRIW example}
  children:
    - {code: c1, name: {en: c1}, weight: 0.3343}
    - {code: c2, name: {en: c2}, weight: 0.2199}
    - {code: c3, name: {en: c3}, weight: 0.1957}
    - {code: c4, name: {en: c4}, weight: 0.2501}
data:
  path: data.csv
  unit_column: alt
methods:
  normalise: {method: none}
  weights:
    method: combined
    params: {subjective: manual, objective: entropy, rule: multiplicative,
             objective_params: {standardise: false, zero_policy: limit}}
  aggregate: {method: arithmetic}
"""


def test_multiplicative_in_a_build_reproduces_idocriw(tmp_path):
    """Zavadskas, E. K. & Podvezko, V. (2016). Integrated determination of objective criteria
    weights in MCDM. International Journal of Information Technology & Decision Making 15(2),
    267-283: the decision matrix of four alternatives x four criteria, the CILOS weights
    q = 0.3343, 0.2199, 0.1957, 0.2501 (given here as the framework's manual weights, since CILOS
    is not a dtindex method), entropy weights from the raw matrix (raw-proportion form) and the
    IDOCRIW weights ``w = q e / sum q e`` = 0.1658, 0.1885, 0.3545, 0.2911.

    The same example as ``test_weights_more.py``'s function-level check, here through a spec:
    ``weights: {method: combined, params: {subjective: manual, objective: entropy, rule:
    multiplicative}}`` with the entropy computed by the build from the data (full precision; the
    CILOS weights are printed to 4 decimals, hence the tolerance).
    """
    from dtindex.index import Index

    (tmp_path / "spec.yaml").write_text(ZP_SPEC, encoding="utf-8")
    (tmp_path / "data.csv").write_text(
        "alt,c1,c2,c3,c4\nA1,3,100,10,7\nA2,2.5,80,8,5\nA3,1.8,50,20,11\nA4,2.2,70,12,9\n", encoding="utf-8")
    idx = Index.from_spec(tmp_path / "spec.yaml")
    kids = ["c1", "c2", "c3", "c4"]
    np.testing.assert_allclose([idx.weights[k] for k in kids], [0.1658, 0.1885, 0.3545, 0.2911], atol=1.5e-4)
    rec = idx.fitted()["weights"]["IDX"]
    assert rec["method"] == "combined" and rec["params"]["rule"] == "multiplicative"
    # the entropy half is the published entropy step (0.1146, 0.1981, 0.4185, 0.2689)
    assert [round(rec["params"]["objective_weights"][k], 4) for k in kids] == [0.1146, 0.1981, 0.4185, 0.2689]
