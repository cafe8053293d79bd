"""The check library: reusable expectations over the harvested facts of a submission.

Hidden checks are pytest tests run in a clean process over the JSON facts the harvest made in
the student's kernel; they never see the student's code or objects. An instructor writes the
hidden checks of an assignment (``autograder/assignments/<name>/hidden_checks.py``) in a few
lines::

    from autograder.checks import (CheckFailed, L, any_of, check, expect_layers, one_or_more,
                                   optional, register_messages, seq, zero_or_more)

    register_messages({      # this assignment's own messages, both languages, keys prefixed
        "<name>.too_deep": {"fr": "`{name}` a {count} blocs ; la question en demande au plus 3.",
                            "en": "`{name}` has {count} blocks; the question asks for 3 at most."},
    }, owner="<name>")

    CNN = seq(one_or_more(L("Conv2D", activation="relu"),
                          optional(any_of("BatchNormalization", "Dropout")), L("MaxPooling2D")),
              any_of("Flatten", "GlobalAveragePooling2D", "GlobalMaxPooling2D"),
              zero_or_more("Dense"), L("Dense", units=10, activation="softmax"))

    @check("structure", points=2)
    def test_structure(sub):
        layers = expect_layers(sub.model("cnn"), CNN)
        blocks = sum(layer.cls == "MaxPooling2D" for layer in layers)
        if blocks > 3:
            raise CheckFailed("<name>.too_deep", name="cnn", count=blocks)

``sub`` is a :class:`Submission`; every ``expect_*`` returns the facts it checked or raises
:class:`CheckFailed` with a message in the student's terms (French by default, English with
``AUTOGRADER_LANG=en``). A check worth points of a question is a function ``test_*(sub)``
decorated with :func:`check`.

**Feedback on success** (``notes.py``): a passed check says what it verified. Every ``expect_*``
records a note when it passes ("structure de `cnn` : 28×28×1 → [Conv2D(32, 3×3, relu) →
MaxPooling2D(2×2)] ×2 → Flatten → Dense(10, softmax)"); a check that tests facts itself adds its
own with ``sub.note(key, **params)`` (or :func:`verified`), a key of the catalog like the
failures' (generic ones start with ``ok.``; an assignment registers its own). ``with
quietly():`` drops the notes of the expectations inside (to sum a loop up in one note);
:func:`expectation` makes a helper speak once for the expectations it calls. :func:`number`
and :func:`shape_text` write numbers as each language does (``134 794`` / ``134,794``).

**Reading the facts** (``facts.py``): ``sub.model(name)`` → :class:`ModelFacts` (``layers``,
``flat_layers()``, ``stack()``, ``input_shape``, ``output_shape``, ``n_params``, ``fits``,
``calls``), each layer a :class:`LayerFacts` (``cls``, ``units``, ``filters``, ``kernel_size``,
``strides``, ``padding``, ``pool_size``, ``activation``, ``rate``, ``regularizers``, ``n_params``,
shapes, ``get(key)`` for any other config value); ``sub.history(name)`` → :class:`HistoryFacts`
with the :class:`FitFacts` of the call that returned it; ``sub.array(name)``, ``sub.scalar(name)``,
``sub.dict(name)``; ``sub.fits``, ``sub.calls`` (:class:`CallFacts` of ``evaluate`` / ``predict``)
and ``sub.files`` (:class:`FileEvent`: saves, loads, ``keras.applications``).

**Layer structure** (``patterns.py``): :class:`L` (one layer: classes with aliases, facts,
:class:`one_of`, predicates), :func:`seq`, :func:`any_of`, :func:`optional`, :func:`one_or_more`,
:func:`zero_or_more`, :func:`repeat`, :data:`ANY`; :func:`expect_layers` (the failure says where
the stack departs: layer number, layer found, what is expected there); :func:`read_layers`,
:func:`count_layers`, :func:`layer_text`. Dense-only networks: :func:`expect_architecture`
(input size, hidden widths and activations, output), :func:`dense_params`; :func:`stack_summary`
(``64 → Dense(32, relu) ×3 → Dense(10, softmax)``, repeats collapsed).

**Training and compilation** (``keras_checks.py``): :func:`expect_loss`, :func:`expect_trained`,
:func:`expect_epochs`, :func:`expect_history_of`, :func:`expect_validation` (share held out,
naming a test set or a wrong share of the training data when given ``train`` / ``test``),
:func:`expect_param_count`, :func:`expect_regularizer_everywhere`, :func:`expect_no_regularizer`,
:func:`expect_dropout`.

**Relations between models** (``relations.py``): :func:`expect_params_near` (e.g. within
±10 % of another model's parameters), :func:`expect_param_ratio`, :func:`param_gap_pct`;
architectures (layers as read, optimizer and epochs aside): :func:`architecture`,
:func:`same_architecture`, :func:`expect_same_architecture`, :func:`distinct_architectures`,
:func:`expect_distinct_architectures`.

**Which data each call saw** (``data.py``; ``train`` / ``test`` are contract names of input
arrays): :func:`expect_validation_from_training`, :func:`expect_not_test_set`,
:func:`expect_trained_on`, :func:`expect_evaluated_on`, :func:`saw_test_set`; several fits
trained alike: :func:`fit_settings`, :func:`expect_same_fit_settings`; a reported number that is
an ``evaluate`` result: :func:`expect_reported_result`; fingerprints in
:class:`ArrayUse` (``is_``, ``within``, ``overlaps``, ``same_data_as``). **Weights from
elsewhere**: :func:`expect_no_pretrained_weights`, :func:`pretrained_events` (an application
with weights, or a load of a file the notebook did not write itself).

**scikit-learn around Keras** (``estimator_facts.py``, ``model_selection.py``; kernel side
``autograder/kernel/estimators.py``): ``sub.estimator(name)`` → :class:`EstimatorFacts` (a Keras 3
``keras.wrappers.SKLearnClassifier`` / ``SKLearnRegressor``, a scikeras ``KerasClassifier`` /
``KerasRegressor`` or any estimator: ``cls``, ``library``, ``task``, ``params``,
``build_function``, ``build_kwargs``, ``fit_parameters`` set at construction, ``fitted``,
``model`` (:class:`ModelFacts` of ``model_``), ``fits``, ``calls``); ``sub.search(name)`` →
:class:`SearchFacts` (``grid``, ``distributions``, ``cv``, ``folds``, ``scoring``, ``n_jobs``,
``refit``, ``results`` (:class:`CVResults` of ``cv_results_``), ``best_params``, ``best_score``,
``best_estimator``, ``fit_calls`` with their data, ``fits``, ``candidates()``,
``param_values(p)``, ``candidate_models()``); ``sub.cv_calls`` → :class:`CVCall`
(``cross_val_score`` / ``cross_validate``: estimator, folds, scoring, data, ``scores``);
``sub.estimator_calls`` → :class:`EstimatorCall` (wrapper ``fit`` / ``score`` / ``predict``,
``search_fit``). Each Keras fit made by a wrapper has ``fit.origin`` (:class:`Origin`: wrapper,
search or cv call, ``stage`` fold / refit / fit, fold, candidate, parameters) and ``fit.model``
(the clone's model facts). Expectations: :func:`expect_keras_wrapper`,
:func:`expect_construction_fit_params`, :func:`expect_fitted_on`, :func:`expect_scored_on`,
:func:`expect_reported_score`, :func:`expect_search_fitted`, :func:`expect_folds`,
:func:`expect_cv_data` (training data only: not test, not the whole set),
:func:`expect_scoring` (a regression / classification scoring), :func:`expect_candidates_vary`
(≥ n values per measure, optionally their full product; ``labels=`` names the measures in the
student's language), :func:`expect_candidates_include` (over a search or a hand loop's calls),
:func:`expect_scores_from_cv` (a dict choice → fold scores related to the recorded
``cross_val_score`` calls), :func:`expect_best_choice` (the reported choice is the best by the
student's own results, ties accepted), :func:`expect_refitted_best`; candidate measures
:func:`hidden_depth`, :func:`hidden_width`, :func:`optimizer_of`, :func:`loss_of`, :func:`param`
(:func:`candidate_values` over a search, :func:`call_values` over the calls of a hand loop).
``n_jobs`` > 1 runs in the kernel, fold after fold (``EstimatorCall.n_jobs_run`` = 1): see README.

**Messages** (``messages.py``): the generic ``CATALOG`` names no assignment; an assignment
registers its own keys with :func:`register_messages` (both languages required, keys prefixed
with its name) and rewords generic failures with :func:`reworded`. ``CheckFailed`` with a key no
catalog holds raises :class:`UnknownMessageKey` at once (and the test suite checks every key
used by every assignment).
"""
from autograder.checks.data import (
    expect_evaluated_on,
    expect_no_pretrained_weights,
    expect_not_test_set,
    expect_reported_result,
    expect_same_fit_settings,
    expect_trained_on,
    expect_validation_from_training,
    fit_settings,
    pretrained_events,
    saw_test_set,
)
from autograder.checks.estimator_facts import (
    CVCall,
    CVResults,
    CVSpec,
    EstimatorCall,
    EstimatorFacts,
    Origin,
    SearchFacts,
    effective_params,
    param_text,
    same_param,
)
from autograder.checks.facts import (
    ArrayFacts,
    ArrayUse,
    CallFacts,
    FileEvent,
    FitFacts,
    HistoryFacts,
    LayerFacts,
    ModelFacts,
    Submission,
    canonical_class,
)
from autograder.checks.keras_checks import (
    Dense,
    dense_params,
    expect_architecture,
    expect_dropout,
    expect_epochs,
    expect_history_of,
    expect_loss,
    expect_no_regularizer,
    expect_param_count,
    expect_regularizer_everywhere,
    expect_trained,
    expect_validation,
)
from autograder.checks.model_selection import (
    call_values,
    candidate_values,
    expect_best_choice,
    expect_candidates_include,
    expect_candidates_vary,
    expect_construction_fit_params,
    expect_cv_data,
    expect_fitted_on,
    expect_folds,
    expect_keras_wrapper,
    expect_refitted_best,
    expect_reported_score,
    expect_scored_on,
    expect_scores_from_cv,
    expect_scoring,
    expect_search_fitted,
    hidden_dense,
    hidden_depth,
    hidden_width,
    loss_of,
    optimizer_of,
    param,
)
from autograder.checks.notes import (
    Note,
    collect_notes,
    expectation,
    note_lines,
    notes_text,
    number,
    quietly,
    shape_text,
    verified,
)
from autograder.checks.messages import (
    CheckFailed,
    Localized,
    UnknownMessageKey,
    known_keys,
    message,
    register_messages,
    reworded,
)
from autograder.checks.patterns import (
    ANY,
    DROPOUT_LAYERS,
    GLOBAL_POOLING_1D,
    GLOBAL_POOLING_2D,
    NORMALIZATION_LAYERS,
    L,
    Pattern,
    any_of,
    count_layers,
    expect_layers,
    layer_text,
    one_of,
    one_or_more,
    optional,
    read_layers,
    repeat,
    seq,
    stack_summary,
    stack_summary_text,
    zero_or_more,
)
from autograder.checks.registry import CheckSpec, check, checks_of
from autograder.checks.relations import (
    architecture,
    distinct_architectures,
    expect_distinct_architectures,
    expect_param_ratio,
    expect_params_near,
    expect_same_architecture,
    param_gap_pct,
    same_architecture,
)

__all__ = [name for name in dir() if not name.startswith("_")]
