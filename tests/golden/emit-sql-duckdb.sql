-- ketadecide rules, duckdb dialect. Reads ds.cohort: the contract's columns as text,
-- exactly the CSV cells (NULL or '' = not given; list cells ';'-separated, 'none' = asked, none):
--   id, age, pregnancy, diagnoses, antidepressant_trials, suicidality, phq9, bp_systolic,
--   bp_diastolic, conditions, medications, insurance, budget_per_session, has_driver,
--   can_attend_twice_weekly, prefers_home, needle_averse, course_modality,
--   course_sessions, course_response, course_dissociation, financial_stress, sure_sure,
--   sure_understand, sure_values, sure_support, oral_antidepressant, values_evidence,
--   values_cost, values_time, values_home, values_needles, values_monitoring,
--   plan_leaning, plan_decide_by, plan_notes
-- Row number: ROW_NUMBER() in the table's scan order (the load order on DuckDB and Spark; on PostgreSQL give --row-column).
-- Gives the CSV output's columns plus error: NULL for a valid row, else its first problem
-- (then the answer columns are NULL). Ordered by row.
SELECT
  id,
  CASE WHEN __error IS NULL THEN "crisis" END AS "crisis",
  CASE WHEN __error IS NULL THEN "missing" END AS "missing",
  CASE WHEN __error IS NULL THEN "conflicts" END AS "conflicts",
  CASE WHEN __error IS NULL THEN "stale" END AS "stale",
  CASE WHEN __error IS NULL THEN "spravato_status" END AS "spravato_status",
  CASE WHEN __error IS NULL THEN "spravato_indication" END AS "spravato_indication",
  CASE WHEN __error IS NULL THEN "spravato_findings" END AS "spravato_findings",
  CASE WHEN __error IS NULL THEN "spravato_likely_covered" END AS "spravato_likely_covered",
  CASE WHEN __error IS NULL THEN "iv_status" END AS "iv_status",
  CASE WHEN __error IS NULL THEN "iv_indication" END AS "iv_indication",
  CASE WHEN __error IS NULL THEN "iv_findings" END AS "iv_findings",
  CASE WHEN __error IS NULL THEN "iv_likely_covered" END AS "iv_likely_covered",
  CASE WHEN __error IS NULL THEN "im_status" END AS "im_status",
  CASE WHEN __error IS NULL THEN "im_indication" END AS "im_indication",
  CASE WHEN __error IS NULL THEN "im_findings" END AS "im_findings",
  CASE WHEN __error IS NULL THEN "im_likely_covered" END AS "im_likely_covered",
  CASE WHEN __error IS NULL THEN "compounded_status" END AS "compounded_status",
  CASE WHEN __error IS NULL THEN "compounded_indication" END AS "compounded_indication",
  CASE WHEN __error IS NULL THEN "compounded_findings" END AS "compounded_findings",
  CASE WHEN __error IS NULL THEN "compounded_likely_covered" END AS "compounded_likely_covered",
  __row AS "row",
  CASE WHEN __error IS NULL THEN "insurance" END AS "insurance",
  CASE WHEN __error IS NULL THEN "sure_score" END AS "sure_score",
  CASE WHEN __error IS NULL THEN "spravato_oop_est_low" END AS "spravato_oop_est_low",
  CASE WHEN __error IS NULL THEN "spravato_oop_est_high" END AS "spravato_oop_est_high",
  CASE WHEN __error IS NULL THEN "spravato_within_budget" END AS "spravato_within_budget",
  CASE WHEN __error IS NULL THEN "iv_oop_est_low" END AS "iv_oop_est_low",
  CASE WHEN __error IS NULL THEN "iv_oop_est_high" END AS "iv_oop_est_high",
  CASE WHEN __error IS NULL THEN "iv_within_budget" END AS "iv_within_budget",
  CASE WHEN __error IS NULL THEN "im_oop_est_low" END AS "im_oop_est_low",
  CASE WHEN __error IS NULL THEN "im_oop_est_high" END AS "im_oop_est_high",
  CASE WHEN __error IS NULL THEN "im_within_budget" END AS "im_within_budget",
  CASE WHEN __error IS NULL THEN "compounded_oop_est_low" END AS "compounded_oop_est_low",
  CASE WHEN __error IS NULL THEN "compounded_oop_est_high" END AS "compounded_oop_est_high",
  CASE WHEN __error IS NULL THEN "compounded_within_budget" END AS "compounded_within_budget",
  __error AS "error"
FROM (
  WITH __profiles AS (
    SELECT
      "id",
      "age",
      "pregnancy",
      "diagnoses",
      "antidepressant_trials",
      CASE
        WHEN (
          COALESCE((
            "suicidality" = 'none'
          ), FALSE)
          AND COALESCE((
            phq9[9] > 0
          ), FALSE)
        )
        THEN 'unknown'
        ELSE COALESCE("suicidality", 'unknown')
      END AS "suicidality",
      "phq9",
      "bp_systolic",
      "bp_diastolic",
      "conditions",
      "medications",
      COALESCE("insurance", 'unknown') AS "insurance",
      "budget_per_session",
      "has_driver",
      "can_attend_twice_weekly",
      "prefers_home",
      "needle_averse",
      "course_modality",
      "course_sessions",
      "course_response",
      "course_dissociation",
      "financial_stress",
      "sure_sure",
      "sure_understand",
      "sure_values",
      "sure_support",
      "oral_antidepressant",
      "values_evidence",
      "values_cost",
      "values_time",
      "values_home",
      "values_needles",
      "values_monitoring",
      "plan_leaning",
      "plan_decide_by",
      "plan_notes",
      CONCAT_WS(
        ';',
        CASE
          WHEN (
            COALESCE((
              "suicidality" = 'none'
            ), FALSE)
            AND COALESCE((
              phq9[9] > 0
            ), FALSE)
          )
          THEN 'phq9_item9_vs_no_suicidality'
        END,
        CASE
          WHEN (
            COALESCE((
              ARRAY_CONTAINS("conditions", 'current_mania')
            ), FALSE)
            AND COALESCE((
              ARRAY_CONTAINS("diagnoses", 'mdd')
            ), FALSE)
            AND (
              NOT COALESCE((
                ARRAY_CONTAINS("diagnoses", 'bipolar_depression')
              ), FALSE)
            )
          )
          THEN 'current_mania_with_mdd_only'
        END,
        CASE
          WHEN (
            COALESCE((
              ARRAY_CONTAINS("conditions", 'mania_history')
            ), FALSE)
            AND COALESCE((
              ARRAY_CONTAINS("diagnoses", 'mdd')
            ), FALSE)
            AND (
              NOT COALESCE((
                ARRAY_CONTAINS("diagnoses", 'bipolar_depression')
              ), FALSE)
            )
          )
          THEN 'mania_history_with_mdd_only'
        END,
        CASE
          WHEN (
            COALESCE((
              ARRAY_CONTAINS("diagnoses", 'mdd')
            ), FALSE)
            AND COALESCE((
              ARRAY_CONTAINS("diagnoses", 'bipolar_depression')
            ), FALSE)
          )
          THEN 'mdd_and_bipolar'
        END
      ) AS conflicts,
      '' AS stale,
      "__row",
      "__error"
    FROM (
      SELECT
        "id",
        "age",
        "pregnancy",
        "diagnoses",
        "antidepressant_trials",
        "suicidality",
        "phq9",
        "bp_systolic",
        "bp_diastolic",
        "conditions",
        "medications",
        "insurance",
        "budget_per_session",
        "has_driver",
        "can_attend_twice_weekly",
        "prefers_home",
        "needle_averse",
        "course_modality",
        "course_sessions",
        "course_response",
        "course_dissociation",
        "financial_stress",
        "sure_sure",
        "sure_understand",
        "sure_values",
        "sure_support",
        "oral_antidepressant",
        "values_evidence",
        "values_cost",
        "values_time",
        "values_home",
        "values_needles",
        "values_monitoring",
        "plan_leaning",
        "plan_decide_by",
        "plan_notes",
        __row,
        CASE
          WHEN (
            (
              NOT __raw_0 IS NULL AND __raw_0 <> ''
            )
            AND (
              LENGTH(__raw_0) > 200
              OR NOT REGEXP_FULL_MATCH(__raw_0, '^[^\x00-\x1f\x7f-\x9f​-‏ -‮⁦-⁩﻿]*$')
            )
          )
          THEN 'id: longer than 200 characters, or holds a control character'
          WHEN (
            (
              NOT __raw_1 IS NULL AND __raw_1 <> ''
            )
            AND NOT COALESCE("age" BETWEEN 0 AND 120, FALSE)
          )
          THEN 'age: expected a whole number from 0 to 120'
          WHEN (
            (
              NOT __raw_2 IS NULL AND __raw_2 <> ''
            ) AND "pregnancy" IS NULL
          )
          THEN 'pregnancy: expected one of none, pregnant, breastfeeding, planning'
          WHEN (
            (
              NOT __raw_3 IS NULL AND __raw_3 <> ''
            )
            AND NOT (
              __raw_3 = 'none'
            )
            AND (
              NOT REGEXP_FULL_MATCH(
                __raw_3,
                '(?:mdd|bipolar_depression|ptsd|gad|ocd|chronic_pain|other)(?:;(?:mdd|bipolar_depression|ptsd|gad|ocd|chronic_pain|other))*'
              )
              OR LENGTH(__raw_3) - LENGTH(REPLACE(__raw_3, ';', '')) >= 100
            )
          )
          THEN 'diagnoses: expected none, or known ids separated by ; (at most 100; see ketadecide modalities)'
          WHEN (
            (
              NOT __raw_4 IS NULL AND __raw_4 <> ''
            )
            AND NOT COALESCE("antidepressant_trials" BETWEEN 0 AND 100, FALSE)
          )
          THEN 'antidepressant_trials: expected a whole number from 0 to 100'
          WHEN (
            (
              NOT __raw_5 IS NULL AND __raw_5 <> ''
            ) AND "suicidality" IS NULL
          )
          THEN 'suicidality: expected one of none, passive_ideation, active_ideation, plan_or_intent, unknown'
          WHEN (
            (
              NOT __raw_6 IS NULL AND __raw_6 <> ''
            ) AND "phq9" IS NULL
          )
          THEN 'phq9: expected 9 item scores 0-3 separated by ;'
          WHEN (
            (
              NOT __raw_7 IS NULL AND __raw_7 <> ''
            )
            AND NOT COALESCE("bp_systolic" BETWEEN 50 AND 300, FALSE)
          )
          THEN 'bp_systolic: expected a whole number from 50 to 300'
          WHEN (
            (
              NOT __raw_8 IS NULL AND __raw_8 <> ''
            )
            AND NOT COALESCE("bp_diastolic" BETWEEN 20 AND 200, FALSE)
          )
          THEN 'bp_diastolic: expected a whole number from 20 to 200'
          WHEN (
            (
              NOT __raw_9 IS NULL AND __raw_9 <> ''
            )
            AND NOT (
              __raw_9 = 'none'
            )
            AND (
              NOT REGEXP_FULL_MATCH(
                __raw_9,
                '(?:psychosis_history|aneurysmal_vascular_disease|arteriovenous_malformation|intracerebral_hemorrhage_history|unstable_cardiovascular_disease|uncontrolled_hypertension|ketamine_hypersensitivity|substance_use_disorder_active|ketamine_misuse_history|interstitial_cystitis|severe_hepatic_impairment|elevated_intracranial_pressure|current_mania|moderate_hepatic_impairment|mania_history|substance_use_disorder_history|stroke_history|uncontrolled_hyperthyroidism|significant_respiratory_disease|hypertensive_encephalopathy_history)(?:;(?:psychosis_history|aneurysmal_vascular_disease|arteriovenous_malformation|intracerebral_hemorrhage_history|unstable_cardiovascular_disease|uncontrolled_hypertension|ketamine_hypersensitivity|substance_use_disorder_active|ketamine_misuse_history|interstitial_cystitis|severe_hepatic_impairment|elevated_intracranial_pressure|current_mania|moderate_hepatic_impairment|mania_history|substance_use_disorder_history|stroke_history|uncontrolled_hyperthyroidism|significant_respiratory_disease|hypertensive_encephalopathy_history))*'
              )
              OR LENGTH(__raw_9) - LENGTH(REPLACE(__raw_9, ';', '')) >= 100
            )
          )
          THEN 'conditions: expected none, or known ids separated by ; (at most 100; see ketadecide modalities)'
          WHEN (
            (
              NOT __raw_10 IS NULL AND __raw_10 <> ''
            )
            AND NOT (
              __raw_10 = 'none'
            )
            AND (
              NOT REGEXP_FULL_MATCH(
                __raw_10,
                '(?:benzodiazepine|lamotrigine|maoi|psychostimulant|opioid|other_cns_depressant|theophylline|cyp3a4_inducer)(?:;(?:benzodiazepine|lamotrigine|maoi|psychostimulant|opioid|other_cns_depressant|theophylline|cyp3a4_inducer))*'
              )
              OR LENGTH(__raw_10) - LENGTH(REPLACE(__raw_10, ';', '')) >= 100
            )
          )
          THEN 'medications: expected none, or known ids separated by ; (at most 100; see ketadecide modalities)'
          WHEN (
            (
              NOT __raw_11 IS NULL AND __raw_11 <> ''
            ) AND "insurance" IS NULL
          )
          AND LOWER(REPLACE(__raw_11, '-', ' ')) IN ('medi cal', 'medical')
          THEN 'insurance: expected a kind of plan; Medi-Cal is a Medicaid plan: write medicaid'
          WHEN (
            (
              NOT __raw_11 IS NULL AND __raw_11 <> ''
            ) AND "insurance" IS NULL
          )
          AND LOWER(REPLACE(__raw_11, '-', ' ')) IN ('aetna')
          THEN 'insurance: expected a kind of plan; Aetna sells employer, Medicare Advantage and Medicaid plans: write commercial, medicare or medicaid'
          WHEN (
            (
              NOT __raw_11 IS NULL AND __raw_11 <> ''
            ) AND "insurance" IS NULL
          )
          AND LOWER(REPLACE(__raw_11, '-', ' ')) IN ('humana')
          THEN 'insurance: expected a kind of plan; Humana sells Medicare Advantage, Medicaid and VA/TRICARE plans: write medicare, medicaid or va_tricare'
          WHEN (
            (
              NOT __raw_11 IS NULL AND __raw_11 <> ''
            ) AND "insurance" IS NULL
          )
          AND LOWER(REPLACE(__raw_11, '-', ' ')) IN ('uhc', 'united healthcare', 'unitedhealthcare')
          THEN 'insurance: expected a kind of plan; UnitedHealthcare sells employer, Medicare Advantage and Medicaid plans: write commercial, medicare or medicaid'
          WHEN (
            (
              NOT __raw_11 IS NULL AND __raw_11 <> ''
            ) AND "insurance" IS NULL
          )
          THEN 'insurance: expected one of commercial, medicare, medicaid, va_tricare, uninsured, unknown'
          WHEN (
            (
              NOT __raw_12 IS NULL AND __raw_12 <> ''
            )
            AND NOT COALESCE("budget_per_session" BETWEEN 0 AND 1000000, FALSE)
          )
          THEN 'budget_per_session: expected a number from 0 to 1000000'
          WHEN (
            (
              NOT __raw_13 IS NULL AND __raw_13 <> ''
            ) AND "has_driver" IS NULL
          )
          THEN 'has_driver: expected true/false, yes/no or 1/0'
          WHEN (
            (
              NOT __raw_14 IS NULL AND __raw_14 <> ''
            )
            AND "can_attend_twice_weekly" IS NULL
          )
          THEN 'can_attend_twice_weekly: expected true/false, yes/no or 1/0'
          WHEN (
            (
              NOT __raw_15 IS NULL AND __raw_15 <> ''
            ) AND "prefers_home" IS NULL
          )
          THEN 'prefers_home: expected true/false, yes/no or 1/0'
          WHEN (
            (
              NOT __raw_16 IS NULL AND __raw_16 <> ''
            ) AND "needle_averse" IS NULL
          )
          THEN 'needle_averse: expected true/false, yes/no or 1/0'
          WHEN (
            (
              NOT __raw_17 IS NULL AND __raw_17 <> ''
            ) AND "course_modality" IS NULL
          )
          THEN 'course_modality: expected one of spravato, iv, im, compounded'
          WHEN (
            (
              NOT __raw_18 IS NULL AND __raw_18 <> ''
            )
            AND NOT COALESCE("course_sessions" BETWEEN 0 AND 1000, FALSE)
          )
          THEN 'course_sessions: expected a whole number from 0 to 1000'
          WHEN (
            (
              NOT __raw_19 IS NULL AND __raw_19 <> ''
            ) AND "course_response" IS NULL
          )
          THEN 'course_response: expected one of none, partial, fading, sustained'
          WHEN (
            (
              NOT __raw_20 IS NULL AND __raw_20 <> ''
            ) AND "course_dissociation" IS NULL
          )
          THEN 'course_dissociation: expected one of tolerable, too_intense'
          WHEN (
            (
              NOT __raw_21 IS NULL AND __raw_21 <> ''
            ) AND "financial_stress" IS NULL
          )
          THEN 'financial_stress: expected true/false, yes/no or 1/0'
          WHEN (
            (
              NOT __raw_22 IS NULL AND __raw_22 <> ''
            ) AND "sure_sure" IS NULL
          )
          THEN 'sure_sure: expected true/false, yes/no or 1/0'
          WHEN (
            (
              NOT __raw_23 IS NULL AND __raw_23 <> ''
            ) AND "sure_understand" IS NULL
          )
          THEN 'sure_understand: expected true/false, yes/no or 1/0'
          WHEN (
            (
              NOT __raw_24 IS NULL AND __raw_24 <> ''
            ) AND "sure_values" IS NULL
          )
          THEN 'sure_values: expected true/false, yes/no or 1/0'
          WHEN (
            (
              NOT __raw_25 IS NULL AND __raw_25 <> ''
            ) AND "sure_support" IS NULL
          )
          THEN 'sure_support: expected true/false, yes/no or 1/0'
          WHEN (
            (
              NOT __raw_26 IS NULL AND __raw_26 <> ''
            ) AND "oral_antidepressant" IS NULL
          )
          THEN 'oral_antidepressant: expected true/false, yes/no or 1/0'
          WHEN (
            (
              NOT __raw_27 IS NULL AND __raw_27 <> ''
            )
            AND NOT COALESCE("values_evidence" BETWEEN 0 AND 10, FALSE)
          )
          THEN 'values_evidence: expected a whole number from 0 to 10'
          WHEN (
            (
              NOT __raw_28 IS NULL AND __raw_28 <> ''
            )
            AND NOT COALESCE("values_cost" BETWEEN 0 AND 10, FALSE)
          )
          THEN 'values_cost: expected a whole number from 0 to 10'
          WHEN (
            (
              NOT __raw_29 IS NULL AND __raw_29 <> ''
            )
            AND NOT COALESCE("values_time" BETWEEN 0 AND 10, FALSE)
          )
          THEN 'values_time: expected a whole number from 0 to 10'
          WHEN (
            (
              NOT __raw_30 IS NULL AND __raw_30 <> ''
            )
            AND NOT COALESCE("values_home" BETWEEN 0 AND 10, FALSE)
          )
          THEN 'values_home: expected a whole number from 0 to 10'
          WHEN (
            (
              NOT __raw_31 IS NULL AND __raw_31 <> ''
            )
            AND NOT COALESCE("values_needles" BETWEEN 0 AND 10, FALSE)
          )
          THEN 'values_needles: expected a whole number from 0 to 10'
          WHEN (
            (
              NOT __raw_32 IS NULL AND __raw_32 <> ''
            )
            AND NOT COALESCE("values_monitoring" BETWEEN 0 AND 10, FALSE)
          )
          THEN 'values_monitoring: expected a whole number from 0 to 10'
          WHEN (
            (
              NOT __raw_33 IS NULL AND __raw_33 <> ''
            ) AND "plan_leaning" IS NULL
          )
          THEN 'plan_leaning: expected one of spravato, iv, im, compounded, unsure'
          WHEN (
            (
              NOT __raw_34 IS NULL AND __raw_34 <> ''
            )
            AND (
              NOT REGEXP_FULL_MATCH(
                __raw_34,
                '^(?:[1-9][0-9]{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)|(?:[1-9][0-9](?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[13579][26])00)-02-29)$'
              )
            )
          )
          THEN 'plan_decide_by: expected a date written YYYY-MM-DD'
          WHEN (
            (
              NOT __raw_35 IS NULL AND __raw_35 <> ''
            )
            AND (
              LENGTH(__raw_35) > 1000
              OR NOT REGEXP_FULL_MATCH(__raw_35, '^[^\x00-\x1f\x7f-\x9f​-‏ -‮⁦-⁩﻿]*$')
            )
          )
          THEN 'plan_notes: longer than 1000 characters, or holds a control character'
          WHEN age IS NULL
          THEN 'age: required'
          WHEN COALESCE(bp_systolic <= bp_diastolic, FALSE)
          THEN 'bp_diastolic: must be below bp_systolic'
        END AS __error
      FROM (
        SELECT
          __row,
          __raw_0,
          __raw_1,
          __raw_2,
          __raw_3,
          __raw_4,
          __raw_5,
          __raw_6,
          __raw_7,
          __raw_8,
          __raw_9,
          __raw_10,
          __raw_11,
          __raw_12,
          __raw_13,
          __raw_14,
          __raw_15,
          __raw_16,
          __raw_17,
          __raw_18,
          __raw_19,
          __raw_20,
          __raw_21,
          __raw_22,
          __raw_23,
          __raw_24,
          __raw_25,
          __raw_26,
          __raw_27,
          __raw_28,
          __raw_29,
          __raw_30,
          __raw_31,
          __raw_32,
          __raw_33,
          __raw_34,
          __raw_35,
          CASE WHEN (
            NOT __raw_0 IS NULL AND __raw_0 <> ''
          ) THEN __raw_0 END AS "id",
          CASE
            WHEN REGEXP_FULL_MATCH(__raw_1, '(?:0|-?[1-9][0-9]*)')
            THEN TRY_CAST(__raw_1 AS BIGINT)
          END AS "age",
          CASE
            WHEN __raw_2 IN ('none', 'pregnant', 'breastfeeding', 'planning')
            THEN __raw_2
          END AS "pregnancy",
          CASE
            WHEN (
              __raw_3 = 'none'
            )
            THEN CAST([] AS TEXT[])
            WHEN (
              NOT __raw_3 IS NULL AND __raw_3 <> ''
            )
            THEN STR_SPLIT(__raw_3, ';')
          END AS "diagnoses",
          CASE
            WHEN REGEXP_FULL_MATCH(__raw_4, '(?:0|-?[1-9][0-9]*)')
            THEN TRY_CAST(__raw_4 AS BIGINT)
          END AS "antidepressant_trials",
          CASE
            WHEN __raw_5 IN ('none', 'passive_ideation', 'active_ideation', 'plan_or_intent', 'unknown')
            THEN __raw_5
          END AS "suicidality",
          CASE
            WHEN REGEXP_FULL_MATCH(__raw_6, '[0-3](?:;[0-3]){8}')
            THEN CAST(STR_SPLIT(__raw_6, ';') AS BIGINT[])
          END AS "phq9",
          CASE
            WHEN REGEXP_FULL_MATCH(__raw_7, '(?:0|-?[1-9][0-9]*)')
            THEN TRY_CAST(__raw_7 AS BIGINT)
          END AS "bp_systolic",
          CASE
            WHEN REGEXP_FULL_MATCH(__raw_8, '(?:0|-?[1-9][0-9]*)')
            THEN TRY_CAST(__raw_8 AS BIGINT)
          END AS "bp_diastolic",
          CASE
            WHEN (
              __raw_9 = 'none'
            )
            THEN CAST([] AS TEXT[])
            WHEN (
              NOT __raw_9 IS NULL AND __raw_9 <> ''
            )
            THEN STR_SPLIT(__raw_9, ';')
          END AS "conditions",
          CASE
            WHEN (
              __raw_10 = 'none'
            )
            THEN CAST([] AS TEXT[])
            WHEN (
              NOT __raw_10 IS NULL AND __raw_10 <> ''
            )
            THEN STR_SPLIT(__raw_10, ';')
          END AS "medications",
          CASE
            WHEN __raw_11 IN ('commercial', 'medicare', 'medicaid', 'va_tricare', 'uninsured', 'unknown')
            THEN __raw_11
          END AS "insurance",
          CASE
            WHEN REGEXP_FULL_MATCH(__raw_12, '-?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?')
            THEN TRY_CAST(__raw_12 AS DOUBLE)
          END AS "budget_per_session",
          CASE
            WHEN LOWER(__raw_13) IN ('1', 'true', 'yes')
            THEN TRUE
            WHEN LOWER(__raw_13) IN ('0', 'false', 'no')
            THEN FALSE
          END AS "has_driver",
          CASE
            WHEN LOWER(__raw_14) IN ('1', 'true', 'yes')
            THEN TRUE
            WHEN LOWER(__raw_14) IN ('0', 'false', 'no')
            THEN FALSE
          END AS "can_attend_twice_weekly",
          CASE
            WHEN LOWER(__raw_15) IN ('1', 'true', 'yes')
            THEN TRUE
            WHEN LOWER(__raw_15) IN ('0', 'false', 'no')
            THEN FALSE
          END AS "prefers_home",
          CASE
            WHEN LOWER(__raw_16) IN ('1', 'true', 'yes')
            THEN TRUE
            WHEN LOWER(__raw_16) IN ('0', 'false', 'no')
            THEN FALSE
          END AS "needle_averse",
          CASE WHEN __raw_17 IN ('spravato', 'iv', 'im', 'compounded') THEN __raw_17 END AS "course_modality",
          CASE
            WHEN REGEXP_FULL_MATCH(__raw_18, '(?:0|-?[1-9][0-9]*)')
            THEN TRY_CAST(__raw_18 AS BIGINT)
          END AS "course_sessions",
          CASE WHEN __raw_19 IN ('none', 'partial', 'fading', 'sustained') THEN __raw_19 END AS "course_response",
          CASE WHEN __raw_20 IN ('tolerable', 'too_intense') THEN __raw_20 END AS "course_dissociation",
          CASE
            WHEN LOWER(__raw_21) IN ('1', 'true', 'yes')
            THEN TRUE
            WHEN LOWER(__raw_21) IN ('0', 'false', 'no')
            THEN FALSE
          END AS "financial_stress",
          CASE
            WHEN LOWER(__raw_22) IN ('1', 'true', 'yes')
            THEN TRUE
            WHEN LOWER(__raw_22) IN ('0', 'false', 'no')
            THEN FALSE
          END AS "sure_sure",
          CASE
            WHEN LOWER(__raw_23) IN ('1', 'true', 'yes')
            THEN TRUE
            WHEN LOWER(__raw_23) IN ('0', 'false', 'no')
            THEN FALSE
          END AS "sure_understand",
          CASE
            WHEN LOWER(__raw_24) IN ('1', 'true', 'yes')
            THEN TRUE
            WHEN LOWER(__raw_24) IN ('0', 'false', 'no')
            THEN FALSE
          END AS "sure_values",
          CASE
            WHEN LOWER(__raw_25) IN ('1', 'true', 'yes')
            THEN TRUE
            WHEN LOWER(__raw_25) IN ('0', 'false', 'no')
            THEN FALSE
          END AS "sure_support",
          CASE
            WHEN LOWER(__raw_26) IN ('1', 'true', 'yes')
            THEN TRUE
            WHEN LOWER(__raw_26) IN ('0', 'false', 'no')
            THEN FALSE
          END AS "oral_antidepressant",
          CASE
            WHEN REGEXP_FULL_MATCH(__raw_27, '(?:0|-?[1-9][0-9]*)')
            THEN TRY_CAST(__raw_27 AS BIGINT)
          END AS "values_evidence",
          CASE
            WHEN REGEXP_FULL_MATCH(__raw_28, '(?:0|-?[1-9][0-9]*)')
            THEN TRY_CAST(__raw_28 AS BIGINT)
          END AS "values_cost",
          CASE
            WHEN REGEXP_FULL_MATCH(__raw_29, '(?:0|-?[1-9][0-9]*)')
            THEN TRY_CAST(__raw_29 AS BIGINT)
          END AS "values_time",
          CASE
            WHEN REGEXP_FULL_MATCH(__raw_30, '(?:0|-?[1-9][0-9]*)')
            THEN TRY_CAST(__raw_30 AS BIGINT)
          END AS "values_home",
          CASE
            WHEN REGEXP_FULL_MATCH(__raw_31, '(?:0|-?[1-9][0-9]*)')
            THEN TRY_CAST(__raw_31 AS BIGINT)
          END AS "values_needles",
          CASE
            WHEN REGEXP_FULL_MATCH(__raw_32, '(?:0|-?[1-9][0-9]*)')
            THEN TRY_CAST(__raw_32 AS BIGINT)
          END AS "values_monitoring",
          CASE
            WHEN __raw_33 IN ('spravato', 'iv', 'im', 'compounded', 'unsure')
            THEN __raw_33
          END AS "plan_leaning",
          CASE WHEN (
            NOT __raw_34 IS NULL AND __raw_34 <> ''
          ) THEN __raw_34 END AS "plan_decide_by",
          CASE WHEN (
            NOT __raw_35 IS NULL AND __raw_35 <> ''
          ) THEN __raw_35 END AS "plan_notes"
        FROM (
          SELECT
            ROW_NUMBER() OVER () AS __row,
            "id" AS __raw_0,
            "age" AS __raw_1,
            "pregnancy" AS __raw_2,
            "diagnoses" AS __raw_3,
            "antidepressant_trials" AS __raw_4,
            "suicidality" AS __raw_5,
            "phq9" AS __raw_6,
            "bp_systolic" AS __raw_7,
            "bp_diastolic" AS __raw_8,
            "conditions" AS __raw_9,
            "medications" AS __raw_10,
            "insurance" AS __raw_11,
            "budget_per_session" AS __raw_12,
            "has_driver" AS __raw_13,
            "can_attend_twice_weekly" AS __raw_14,
            "prefers_home" AS __raw_15,
            "needle_averse" AS __raw_16,
            "course_modality" AS __raw_17,
            "course_sessions" AS __raw_18,
            "course_response" AS __raw_19,
            "course_dissociation" AS __raw_20,
            "financial_stress" AS __raw_21,
            "sure_sure" AS __raw_22,
            "sure_understand" AS __raw_23,
            "sure_values" AS __raw_24,
            "sure_support" AS __raw_25,
            "oral_antidepressant" AS __raw_26,
            "values_evidence" AS __raw_27,
            "values_cost" AS __raw_28,
            "values_time" AS __raw_29,
            "values_home" AS __raw_30,
            "values_needles" AS __raw_31,
            "values_monitoring" AS __raw_32,
            "plan_leaning" AS __raw_33,
            "plan_decide_by" AS __raw_34,
            "plan_notes" AS __raw_35
          FROM "ds"."cohort"
        ) AS __in
      ) AS __typed
    ) AS __checked
  ), __derived AS (
    SELECT
      *,
      LIST_FILTER(
        LIST_TRANSFORM(
          GENERATE_SERIES(1, LENGTH(conditions)),
          LAMBDA i : CASE WHEN LIST_POSITION(conditions, conditions[i]) = i THEN conditions[i] END
        ),
        LAMBDA x : NOT x IS NULL
      ) AS __conditions,
      LIST_FILTER(
        LIST_TRANSFORM(
          GENERATE_SERIES(1, LENGTH(medications)),
          LAMBDA i : CASE WHEN LIST_POSITION(medications, medications[i]) = i THEN medications[i] END
        ),
        LAMBDA x : NOT x IS NULL
      ) AS __medications,
      COALESCE((
        "age" < 18
      ), FALSE) AS "__screen_age_under_18",
      COALESCE((
        "age" >= 65
      ), FALSE) AS "__screen_age_65_or_older",
      COALESCE((
        "pregnancy" IN ('pregnant', 'breastfeeding')
      ), FALSE) AS "__screen_pregnancy_or_breastfeeding",
      COALESCE((
        "pregnancy" = 'planning'
      ), FALSE) AS "__screen_pregnancy_planning",
      (
        (
          COALESCE((
            "bp_systolic" > 140
          ), FALSE)
          OR COALESCE((
            "bp_diastolic" > 90
          ), FALSE)
        )
        AND (
          NOT (
            COALESCE((
              "bp_systolic" > 180
            ), FALSE)
            OR COALESCE((
              "bp_diastolic" > 100
            ), FALSE)
          )
        )
      ) AS "__screen_bp_elevated",
      (
        COALESCE((
          "bp_systolic" > 180
        ), FALSE)
        OR COALESCE((
          "bp_diastolic" > 100
        ), FALSE)
      ) AS "__screen_bp_severe",
      (
        (
          "bp_systolic" IS NULL
        ) OR (
          "bp_diastolic" IS NULL
        )
      ) AS "__screen_bp_not_recorded",
      (
        COALESCE((
          NOT "suicidality" IN ('active_ideation', 'plan_or_intent')
        ), FALSE)
        AND (
          COALESCE((
            "suicidality" = 'passive_ideation'
          ), FALSE)
          OR COALESCE((
            phq9[9] > 0
          ), FALSE)
        )
      ) AS "__screen_safety_assessment_needed",
      COALESCE((
        "suicidality" IN ('active_ideation', 'plan_or_intent')
      ), FALSE) AS "__screen_active_suicidal_ideation",
      COALESCE((
        "suicidality" = 'unknown'
      ), FALSE) AS "__screen_suicidality_not_assessed",
      COALESCE((
        "antidepressant_trials" < 2
      ), FALSE) AS "__screen_not_treatment_resistant",
      (
        "antidepressant_trials" IS NULL
      ) AS "__screen_antidepressant_trials_not_recorded",
      COALESCE((
        ARRAY_CONTAINS("diagnoses", 'bipolar_depression')
      ), FALSE) AS "__screen_bipolar_depression",
      COALESCE((
        "needle_averse" = TRUE
      ), FALSE) AS "__screen_needle_averse",
      COALESCE((
        "has_driver" = FALSE
      ), FALSE) AS "__screen_no_driver",
      COALESCE((
        "can_attend_twice_weekly" = FALSE
      ), FALSE) AS "__screen_cannot_attend_twice_weekly",
      COALESCE((
        "prefers_home" = TRUE
      ), FALSE) AS "__screen_prefers_home",
      COALESCE(
        (
          (
            phq9[1] + phq9[2] + phq9[3] + phq9[4] + phq9[5] + phq9[6] + phq9[7] + phq9[8] + phq9[9]
          ) < 10
        ),
        FALSE
      ) AS "__screen_phq9_mild_or_less",
      COALESCE(
        (
          (
            phq9[1] + phq9[2] + phq9[3] + phq9[4] + phq9[5] + phq9[6] + phq9[7] + phq9[8] + phq9[9]
          ) >= 20
        ),
        FALSE
      ) AS "__screen_phq9_severe",
      CONCAT_WS(
        ';',
        CASE
          WHEN (
            "suicidality" IS NULL OR "suicidality" = 'unknown'
          )
          THEN 'suicidality'
        END,
        CASE WHEN (
          "pregnancy" IS NULL OR "pregnancy" = 'unknown'
        ) THEN 'pregnancy' END,
        CASE WHEN (
          "diagnoses" IS NULL
        ) THEN 'diagnoses' END,
        CASE WHEN (
          "conditions" IS NULL
        ) THEN 'conditions' END,
        CASE WHEN (
          "medications" IS NULL
        ) THEN 'medications' END
      ) AS __missing,
      CASE
        WHEN (
          (
            (
              "age" >= 18
            )
            AND (
              ARRAY_CONTAINS("diagnoses", 'mdd')
            )
            AND (
              NOT (
                ARRAY_CONTAINS("diagnoses", 'bipolar_depression')
              )
            )
            AND (
              NOT (
                ARRAY_CONTAINS("conditions", 'current_mania')
                OR ARRAY_CONTAINS("conditions", 'mania_history')
              )
            )
            AND (
              "antidepressant_trials" >= 2
            )
          )
          OR (
            (
              "age" >= 18
            )
            AND (
              ARRAY_CONTAINS("diagnoses", 'mdd')
            )
            AND (
              NOT (
                ARRAY_CONTAINS("diagnoses", 'bipolar_depression')
              )
            )
            AND (
              NOT (
                ARRAY_CONTAINS("conditions", 'current_mania')
                OR ARRAY_CONTAINS("conditions", 'mania_history')
              )
            )
            AND (
              NULLIF("suicidality", 'unknown') IN ('active_ideation', 'plan_or_intent')
            )
            AND (
              "oral_antidepressant" = TRUE
            )
          )
        )
        THEN 'on_label'
        WHEN (
          (
            (
              "age" >= 18
            )
            AND (
              ARRAY_CONTAINS("diagnoses", 'mdd')
            )
            AND (
              NOT (
                ARRAY_CONTAINS("diagnoses", 'bipolar_depression')
              )
            )
            AND (
              NOT (
                ARRAY_CONTAINS("conditions", 'current_mania')
                OR ARRAY_CONTAINS("conditions", 'mania_history')
              )
            )
            AND (
              "antidepressant_trials" >= 2
            )
          )
          OR (
            (
              "age" >= 18
            )
            AND (
              ARRAY_CONTAINS("diagnoses", 'mdd')
            )
            AND (
              NOT (
                ARRAY_CONTAINS("diagnoses", 'bipolar_depression')
              )
            )
            AND (
              NOT (
                ARRAY_CONTAINS("conditions", 'current_mania')
                OR ARRAY_CONTAINS("conditions", 'mania_history')
              )
            )
            AND (
              NULLIF("suicidality", 'unknown') IN ('active_ideation', 'plan_or_intent')
            )
            AND (
              "oral_antidepressant" = TRUE
            )
          )
        ) IS NULL
        THEN 'not_established'
        ELSE 'off_label'
      END AS "__ind_spravato",
      'off_label' AS "__ind_iv",
      'off_label' AS "__ind_im",
      'off_label' AS "__ind_compounded"
    FROM __profiles
  ), __fired AS (
    SELECT
      *,
      (
        __missing <> '' OR conflicts <> ''
      ) AS __incomplete
    FROM __derived
  )
  SELECT
    id,
    COALESCE(suicidality IN ('active_ideation', 'plan_or_intent'), FALSE) AS crisis,
    __missing AS missing,
    conflicts,
    stale,
    CASE
      WHEN COALESCE(
        ARRAY_CONTAINS(__conditions, 'aneurysmal_vascular_disease')
        OR ARRAY_CONTAINS(__conditions, 'arteriovenous_malformation')
        OR ARRAY_CONTAINS(__conditions, 'intracerebral_hemorrhage_history')
        OR ARRAY_CONTAINS(__conditions, 'unstable_cardiovascular_disease')
        OR ARRAY_CONTAINS(__conditions, 'ketamine_hypersensitivity')
        OR ARRAY_CONTAINS(__conditions, 'elevated_intracranial_pressure'),
        FALSE
      )
      OR "__screen_bp_severe"
      THEN 'contraindicated'
      WHEN __incomplete
      THEN 'incomplete'
      WHEN COALESCE(
        ARRAY_CONTAINS(__conditions, 'psychosis_history')
        OR ARRAY_CONTAINS(__conditions, 'uncontrolled_hypertension')
        OR ARRAY_CONTAINS(__conditions, 'substance_use_disorder_active')
        OR ARRAY_CONTAINS(__conditions, 'ketamine_misuse_history')
        OR ARRAY_CONTAINS(__conditions, 'interstitial_cystitis')
        OR ARRAY_CONTAINS(__conditions, 'severe_hepatic_impairment')
        OR ARRAY_CONTAINS(__conditions, 'current_mania')
        OR ARRAY_CONTAINS(__conditions, 'mania_history')
        OR ARRAY_CONTAINS(__conditions, 'stroke_history')
        OR ARRAY_CONTAINS(__conditions, 'uncontrolled_hyperthyroidism')
        OR ARRAY_CONTAINS(__conditions, 'significant_respiratory_disease')
        OR ARRAY_CONTAINS(__conditions, 'hypertensive_encephalopathy_history'),
        FALSE
      )
      OR COALESCE(
        ARRAY_CONTAINS(__medications, 'benzodiazepine')
        OR ARRAY_CONTAINS(__medications, 'maoi')
        OR ARRAY_CONTAINS(__medications, 'psychostimulant')
        OR ARRAY_CONTAINS(__medications, 'opioid')
        OR ARRAY_CONTAINS(__medications, 'other_cns_depressant'),
        FALSE
      )
      OR "__screen_age_under_18"
      OR "__screen_pregnancy_or_breastfeeding"
      OR "__screen_bp_elevated"
      OR "__screen_active_suicidal_ideation"
      OR "__screen_bipolar_depression"
      THEN 'caution'
      ELSE 'no_flags'
    END AS "spravato_status",
    "__ind_spravato" AS "spravato_indication",
    CONCAT_WS(
      ';',
      NULLIF(
        ARRAY_TO_STRING(
          LIST_FILTER(
            __conditions,
            LAMBDA x : x IN (
              'aneurysmal_vascular_disease',
              'arteriovenous_malformation',
              'intracerebral_hemorrhage_history',
              'unstable_cardiovascular_disease',
              'ketamine_hypersensitivity',
              'elevated_intracranial_pressure'
            )
          ),
          ';'
        ),
        ''
      ),
      CASE WHEN "__screen_bp_severe" THEN 'bp_severe' END,
      NULLIF(
        ARRAY_TO_STRING(
          LIST_FILTER(
            __conditions,
            LAMBDA x : x IN (
              'psychosis_history',
              'uncontrolled_hypertension',
              'substance_use_disorder_active',
              'ketamine_misuse_history',
              'interstitial_cystitis',
              'severe_hepatic_impairment',
              'current_mania',
              'mania_history',
              'stroke_history',
              'uncontrolled_hyperthyroidism',
              'significant_respiratory_disease',
              'hypertensive_encephalopathy_history'
            )
          ),
          ';'
        ),
        ''
      ),
      NULLIF(
        ARRAY_TO_STRING(
          LIST_FILTER(
            __medications,
            LAMBDA x : x IN ('benzodiazepine', 'maoi', 'psychostimulant', 'opioid', 'other_cns_depressant')
          ),
          ';'
        ),
        ''
      ),
      CASE WHEN "__screen_age_under_18" THEN 'age_under_18' END,
      CASE
        WHEN "__screen_pregnancy_or_breastfeeding"
        THEN 'pregnancy_or_breastfeeding'
      END,
      CASE WHEN "__screen_bp_elevated" THEN 'bp_elevated' END,
      CASE WHEN "__screen_active_suicidal_ideation" THEN 'active_suicidal_ideation' END,
      CASE WHEN "__screen_bipolar_depression" THEN 'bipolar_depression' END,
      NULLIF(
        ARRAY_TO_STRING(
          LIST_FILTER(
            __conditions,
            LAMBDA x : x IN ('moderate_hepatic_impairment', 'substance_use_disorder_history')
          ),
          ';'
        ),
        ''
      ),
      NULLIF(
        ARRAY_TO_STRING(
          LIST_FILTER(__medications, LAMBDA x : x IN ('lamotrigine', 'theophylline', 'cyp3a4_inducer')),
          ';'
        ),
        ''
      ),
      CASE WHEN "__screen_age_65_or_older" THEN 'age_65_or_older' END,
      CASE WHEN "__screen_pregnancy_planning" THEN 'pregnancy_planning' END,
      CASE WHEN "__screen_bp_not_recorded" THEN 'bp_not_recorded' END,
      CASE WHEN "__screen_safety_assessment_needed" THEN 'safety_assessment_needed' END,
      CASE WHEN "__screen_suicidality_not_assessed" THEN 'suicidality_not_assessed' END,
      CASE WHEN "__screen_not_treatment_resistant" THEN 'not_treatment_resistant' END,
      CASE
        WHEN "__screen_antidepressant_trials_not_recorded"
        THEN 'antidepressant_trials_not_recorded'
      END,
      CASE WHEN "__screen_no_driver" THEN 'no_driver' END,
      CASE
        WHEN "__screen_cannot_attend_twice_weekly"
        THEN 'cannot_attend_twice_weekly'
      END,
      CASE WHEN "__screen_prefers_home" THEN 'prefers_home' END,
      CASE WHEN "__screen_phq9_mild_or_less" THEN 'phq9_mild_or_less' END,
      CASE WHEN "__screen_phq9_severe" THEN 'phq9_severe' END
    ) AS "spravato_findings",
    CASE insurance
      WHEN 'commercial'
      THEN CASE
        WHEN "__ind_spravato" = 'off_label'
        THEN FALSE
        WHEN "__ind_spravato" = 'not_established'
        THEN CAST(NULL AS BOOLEAN)
        WHEN age < 18
        THEN FALSE
        ELSE TRUE
      END
      WHEN 'medicare'
      THEN CASE
        WHEN "__ind_spravato" = 'off_label'
        THEN FALSE
        WHEN "__ind_spravato" = 'not_established'
        THEN CAST(NULL AS BOOLEAN)
        WHEN age < 18
        THEN FALSE
        ELSE TRUE
      END
      WHEN 'medicaid'
      THEN CASE
        WHEN "__ind_spravato" = 'off_label'
        THEN FALSE
        WHEN "__ind_spravato" = 'not_established'
        THEN CAST(NULL AS BOOLEAN)
        WHEN age < 18
        THEN FALSE
        ELSE TRUE
      END
      WHEN 'va_tricare'
      THEN CAST(NULL AS BOOLEAN)
      WHEN 'uninsured'
      THEN FALSE
      ELSE CAST(NULL AS BOOLEAN)
    END AS "spravato_likely_covered",
    CASE
      WHEN COALESCE(
        ARRAY_CONTAINS(__conditions, 'aneurysmal_vascular_disease')
        OR ARRAY_CONTAINS(__conditions, 'arteriovenous_malformation')
        OR ARRAY_CONTAINS(__conditions, 'intracerebral_hemorrhage_history')
        OR ARRAY_CONTAINS(__conditions, 'unstable_cardiovascular_disease')
        OR ARRAY_CONTAINS(__conditions, 'uncontrolled_hypertension')
        OR ARRAY_CONTAINS(__conditions, 'ketamine_hypersensitivity')
        OR ARRAY_CONTAINS(__conditions, 'elevated_intracranial_pressure'),
        FALSE
      )
      OR "__screen_bp_severe"
      THEN 'contraindicated'
      WHEN __incomplete
      THEN 'incomplete'
      WHEN COALESCE(
        ARRAY_CONTAINS(__conditions, 'psychosis_history')
        OR ARRAY_CONTAINS(__conditions, 'substance_use_disorder_active')
        OR ARRAY_CONTAINS(__conditions, 'ketamine_misuse_history')
        OR ARRAY_CONTAINS(__conditions, 'interstitial_cystitis')
        OR ARRAY_CONTAINS(__conditions, 'severe_hepatic_impairment')
        OR ARRAY_CONTAINS(__conditions, 'current_mania')
        OR ARRAY_CONTAINS(__conditions, 'mania_history')
        OR ARRAY_CONTAINS(__conditions, 'stroke_history')
        OR ARRAY_CONTAINS(__conditions, 'uncontrolled_hyperthyroidism')
        OR ARRAY_CONTAINS(__conditions, 'significant_respiratory_disease')
        OR ARRAY_CONTAINS(__conditions, 'hypertensive_encephalopathy_history'),
        FALSE
      )
      OR COALESCE(
        ARRAY_CONTAINS(__medications, 'benzodiazepine')
        OR ARRAY_CONTAINS(__medications, 'maoi')
        OR ARRAY_CONTAINS(__medications, 'psychostimulant')
        OR ARRAY_CONTAINS(__medications, 'opioid')
        OR ARRAY_CONTAINS(__medications, 'other_cns_depressant')
        OR ARRAY_CONTAINS(__medications, 'theophylline'),
        FALSE
      )
      OR "__screen_age_under_18"
      OR "__screen_pregnancy_or_breastfeeding"
      OR "__screen_bp_elevated"
      OR "__screen_active_suicidal_ideation"
      OR "__screen_bipolar_depression"
      THEN 'caution'
      ELSE 'no_flags'
    END AS "iv_status",
    "__ind_iv" AS "iv_indication",
    CONCAT_WS(
      ';',
      NULLIF(
        ARRAY_TO_STRING(
          LIST_FILTER(
            __conditions,
            LAMBDA x : x IN (
              'aneurysmal_vascular_disease',
              'arteriovenous_malformation',
              'intracerebral_hemorrhage_history',
              'unstable_cardiovascular_disease',
              'uncontrolled_hypertension',
              'ketamine_hypersensitivity',
              'elevated_intracranial_pressure'
            )
          ),
          ';'
        ),
        ''
      ),
      CASE WHEN "__screen_bp_severe" THEN 'bp_severe' END,
      NULLIF(
        ARRAY_TO_STRING(
          LIST_FILTER(
            __conditions,
            LAMBDA x : x IN (
              'psychosis_history',
              'substance_use_disorder_active',
              'ketamine_misuse_history',
              'interstitial_cystitis',
              'severe_hepatic_impairment',
              'current_mania',
              'mania_history',
              'stroke_history',
              'uncontrolled_hyperthyroidism',
              'significant_respiratory_disease',
              'hypertensive_encephalopathy_history'
            )
          ),
          ';'
        ),
        ''
      ),
      NULLIF(
        ARRAY_TO_STRING(
          LIST_FILTER(
            __medications,
            LAMBDA x : x IN (
              'benzodiazepine',
              'maoi',
              'psychostimulant',
              'opioid',
              'other_cns_depressant',
              'theophylline'
            )
          ),
          ';'
        ),
        ''
      ),
      CASE WHEN "__screen_age_under_18" THEN 'age_under_18' END,
      CASE
        WHEN "__screen_pregnancy_or_breastfeeding"
        THEN 'pregnancy_or_breastfeeding'
      END,
      CASE WHEN "__screen_bp_elevated" THEN 'bp_elevated' END,
      CASE WHEN "__screen_active_suicidal_ideation" THEN 'active_suicidal_ideation' END,
      CASE WHEN "__screen_bipolar_depression" THEN 'bipolar_depression' END,
      NULLIF(
        ARRAY_TO_STRING(
          LIST_FILTER(
            __conditions,
            LAMBDA x : x IN ('moderate_hepatic_impairment', 'substance_use_disorder_history')
          ),
          ';'
        ),
        ''
      ),
      NULLIF(
        ARRAY_TO_STRING(LIST_FILTER(__medications, LAMBDA x : x IN ('lamotrigine', 'cyp3a4_inducer')), ';'),
        ''
      ),
      CASE WHEN "__screen_age_65_or_older" THEN 'age_65_or_older' END,
      CASE WHEN "__screen_pregnancy_planning" THEN 'pregnancy_planning' END,
      CASE WHEN "__screen_bp_not_recorded" THEN 'bp_not_recorded' END,
      CASE WHEN "__screen_safety_assessment_needed" THEN 'safety_assessment_needed' END,
      CASE WHEN "__screen_suicidality_not_assessed" THEN 'suicidality_not_assessed' END,
      CASE WHEN "__screen_not_treatment_resistant" THEN 'not_treatment_resistant' END,
      CASE
        WHEN "__screen_antidepressant_trials_not_recorded"
        THEN 'antidepressant_trials_not_recorded'
      END,
      CASE WHEN "__screen_needle_averse" THEN 'needle_averse' END,
      CASE WHEN "__screen_no_driver" THEN 'no_driver' END,
      CASE
        WHEN "__screen_cannot_attend_twice_weekly"
        THEN 'cannot_attend_twice_weekly'
      END,
      CASE WHEN "__screen_prefers_home" THEN 'prefers_home' END,
      CASE WHEN "__screen_phq9_mild_or_less" THEN 'phq9_mild_or_less' END,
      CASE WHEN "__screen_phq9_severe" THEN 'phq9_severe' END
    ) AS "iv_findings",
    CASE insurance
      WHEN 'commercial'
      THEN CAST(NULL AS BOOLEAN)
      WHEN 'medicare'
      THEN FALSE
      WHEN 'medicaid'
      THEN FALSE
      WHEN 'va_tricare'
      THEN CAST(NULL AS BOOLEAN)
      WHEN 'uninsured'
      THEN FALSE
      ELSE CAST(NULL AS BOOLEAN)
    END AS "iv_likely_covered",
    CASE
      WHEN COALESCE(
        ARRAY_CONTAINS(__conditions, 'aneurysmal_vascular_disease')
        OR ARRAY_CONTAINS(__conditions, 'arteriovenous_malformation')
        OR ARRAY_CONTAINS(__conditions, 'intracerebral_hemorrhage_history')
        OR ARRAY_CONTAINS(__conditions, 'unstable_cardiovascular_disease')
        OR ARRAY_CONTAINS(__conditions, 'uncontrolled_hypertension')
        OR ARRAY_CONTAINS(__conditions, 'ketamine_hypersensitivity')
        OR ARRAY_CONTAINS(__conditions, 'elevated_intracranial_pressure'),
        FALSE
      )
      OR "__screen_bp_severe"
      THEN 'contraindicated'
      WHEN __incomplete
      THEN 'incomplete'
      WHEN COALESCE(
        ARRAY_CONTAINS(__conditions, 'psychosis_history')
        OR ARRAY_CONTAINS(__conditions, 'substance_use_disorder_active')
        OR ARRAY_CONTAINS(__conditions, 'ketamine_misuse_history')
        OR ARRAY_CONTAINS(__conditions, 'interstitial_cystitis')
        OR ARRAY_CONTAINS(__conditions, 'severe_hepatic_impairment')
        OR ARRAY_CONTAINS(__conditions, 'current_mania')
        OR ARRAY_CONTAINS(__conditions, 'mania_history')
        OR ARRAY_CONTAINS(__conditions, 'stroke_history')
        OR ARRAY_CONTAINS(__conditions, 'uncontrolled_hyperthyroidism')
        OR ARRAY_CONTAINS(__conditions, 'significant_respiratory_disease')
        OR ARRAY_CONTAINS(__conditions, 'hypertensive_encephalopathy_history'),
        FALSE
      )
      OR COALESCE(
        ARRAY_CONTAINS(__medications, 'benzodiazepine')
        OR ARRAY_CONTAINS(__medications, 'maoi')
        OR ARRAY_CONTAINS(__medications, 'psychostimulant')
        OR ARRAY_CONTAINS(__medications, 'opioid')
        OR ARRAY_CONTAINS(__medications, 'other_cns_depressant')
        OR ARRAY_CONTAINS(__medications, 'theophylline'),
        FALSE
      )
      OR "__screen_age_under_18"
      OR "__screen_pregnancy_or_breastfeeding"
      OR "__screen_bp_elevated"
      OR "__screen_active_suicidal_ideation"
      OR "__screen_bipolar_depression"
      THEN 'caution'
      ELSE 'no_flags'
    END AS "im_status",
    "__ind_im" AS "im_indication",
    CONCAT_WS(
      ';',
      NULLIF(
        ARRAY_TO_STRING(
          LIST_FILTER(
            __conditions,
            LAMBDA x : x IN (
              'aneurysmal_vascular_disease',
              'arteriovenous_malformation',
              'intracerebral_hemorrhage_history',
              'unstable_cardiovascular_disease',
              'uncontrolled_hypertension',
              'ketamine_hypersensitivity',
              'elevated_intracranial_pressure'
            )
          ),
          ';'
        ),
        ''
      ),
      CASE WHEN "__screen_bp_severe" THEN 'bp_severe' END,
      NULLIF(
        ARRAY_TO_STRING(
          LIST_FILTER(
            __conditions,
            LAMBDA x : x IN (
              'psychosis_history',
              'substance_use_disorder_active',
              'ketamine_misuse_history',
              'interstitial_cystitis',
              'severe_hepatic_impairment',
              'current_mania',
              'mania_history',
              'stroke_history',
              'uncontrolled_hyperthyroidism',
              'significant_respiratory_disease',
              'hypertensive_encephalopathy_history'
            )
          ),
          ';'
        ),
        ''
      ),
      NULLIF(
        ARRAY_TO_STRING(
          LIST_FILTER(
            __medications,
            LAMBDA x : x IN (
              'benzodiazepine',
              'maoi',
              'psychostimulant',
              'opioid',
              'other_cns_depressant',
              'theophylline'
            )
          ),
          ';'
        ),
        ''
      ),
      CASE WHEN "__screen_age_under_18" THEN 'age_under_18' END,
      CASE
        WHEN "__screen_pregnancy_or_breastfeeding"
        THEN 'pregnancy_or_breastfeeding'
      END,
      CASE WHEN "__screen_bp_elevated" THEN 'bp_elevated' END,
      CASE WHEN "__screen_active_suicidal_ideation" THEN 'active_suicidal_ideation' END,
      CASE WHEN "__screen_bipolar_depression" THEN 'bipolar_depression' END,
      NULLIF(
        ARRAY_TO_STRING(
          LIST_FILTER(
            __conditions,
            LAMBDA x : x IN ('moderate_hepatic_impairment', 'substance_use_disorder_history')
          ),
          ';'
        ),
        ''
      ),
      NULLIF(
        ARRAY_TO_STRING(LIST_FILTER(__medications, LAMBDA x : x IN ('lamotrigine', 'cyp3a4_inducer')), ';'),
        ''
      ),
      CASE WHEN "__screen_age_65_or_older" THEN 'age_65_or_older' END,
      CASE WHEN "__screen_pregnancy_planning" THEN 'pregnancy_planning' END,
      CASE WHEN "__screen_bp_not_recorded" THEN 'bp_not_recorded' END,
      CASE WHEN "__screen_safety_assessment_needed" THEN 'safety_assessment_needed' END,
      CASE WHEN "__screen_suicidality_not_assessed" THEN 'suicidality_not_assessed' END,
      CASE WHEN "__screen_not_treatment_resistant" THEN 'not_treatment_resistant' END,
      CASE
        WHEN "__screen_antidepressant_trials_not_recorded"
        THEN 'antidepressant_trials_not_recorded'
      END,
      CASE WHEN "__screen_needle_averse" THEN 'needle_averse' END,
      CASE WHEN "__screen_no_driver" THEN 'no_driver' END,
      CASE WHEN "__screen_prefers_home" THEN 'prefers_home' END,
      CASE WHEN "__screen_phq9_mild_or_less" THEN 'phq9_mild_or_less' END,
      CASE WHEN "__screen_phq9_severe" THEN 'phq9_severe' END
    ) AS "im_findings",
    CASE insurance
      WHEN 'commercial'
      THEN CAST(NULL AS BOOLEAN)
      WHEN 'medicare'
      THEN FALSE
      WHEN 'medicaid'
      THEN FALSE
      WHEN 'va_tricare'
      THEN CAST(NULL AS BOOLEAN)
      WHEN 'uninsured'
      THEN FALSE
      ELSE CAST(NULL AS BOOLEAN)
    END AS "im_likely_covered",
    CASE
      WHEN COALESCE(
        ARRAY_CONTAINS(__conditions, 'aneurysmal_vascular_disease')
        OR ARRAY_CONTAINS(__conditions, 'arteriovenous_malformation')
        OR ARRAY_CONTAINS(__conditions, 'intracerebral_hemorrhage_history')
        OR ARRAY_CONTAINS(__conditions, 'unstable_cardiovascular_disease')
        OR ARRAY_CONTAINS(__conditions, 'uncontrolled_hypertension')
        OR ARRAY_CONTAINS(__conditions, 'ketamine_hypersensitivity')
        OR ARRAY_CONTAINS(__conditions, 'substance_use_disorder_active')
        OR ARRAY_CONTAINS(__conditions, 'ketamine_misuse_history')
        OR ARRAY_CONTAINS(__conditions, 'elevated_intracranial_pressure'),
        FALSE
      )
      OR "__screen_age_under_18"
      OR "__screen_bp_severe"
      OR "__screen_active_suicidal_ideation"
      THEN 'contraindicated'
      WHEN __incomplete
      THEN 'incomplete'
      WHEN COALESCE(
        ARRAY_CONTAINS(__conditions, 'psychosis_history')
        OR ARRAY_CONTAINS(__conditions, 'interstitial_cystitis')
        OR ARRAY_CONTAINS(__conditions, 'severe_hepatic_impairment')
        OR ARRAY_CONTAINS(__conditions, 'current_mania')
        OR ARRAY_CONTAINS(__conditions, 'moderate_hepatic_impairment')
        OR ARRAY_CONTAINS(__conditions, 'mania_history')
        OR ARRAY_CONTAINS(__conditions, 'substance_use_disorder_history')
        OR ARRAY_CONTAINS(__conditions, 'stroke_history')
        OR ARRAY_CONTAINS(__conditions, 'uncontrolled_hyperthyroidism')
        OR ARRAY_CONTAINS(__conditions, 'significant_respiratory_disease')
        OR ARRAY_CONTAINS(__conditions, 'hypertensive_encephalopathy_history'),
        FALSE
      )
      OR COALESCE(
        ARRAY_CONTAINS(__medications, 'benzodiazepine')
        OR ARRAY_CONTAINS(__medications, 'maoi')
        OR ARRAY_CONTAINS(__medications, 'psychostimulant')
        OR ARRAY_CONTAINS(__medications, 'opioid')
        OR ARRAY_CONTAINS(__medications, 'other_cns_depressant')
        OR ARRAY_CONTAINS(__medications, 'theophylline'),
        FALSE
      )
      OR "__screen_pregnancy_or_breastfeeding"
      OR "__screen_bp_elevated"
      OR "__screen_safety_assessment_needed"
      OR "__screen_bipolar_depression"
      THEN 'caution'
      ELSE 'no_flags'
    END AS "compounded_status",
    "__ind_compounded" AS "compounded_indication",
    CONCAT_WS(
      ';',
      NULLIF(
        ARRAY_TO_STRING(
          LIST_FILTER(
            __conditions,
            LAMBDA x : x IN (
              'aneurysmal_vascular_disease',
              'arteriovenous_malformation',
              'intracerebral_hemorrhage_history',
              'unstable_cardiovascular_disease',
              'uncontrolled_hypertension',
              'ketamine_hypersensitivity',
              'substance_use_disorder_active',
              'ketamine_misuse_history',
              'elevated_intracranial_pressure'
            )
          ),
          ';'
        ),
        ''
      ),
      CASE WHEN "__screen_age_under_18" THEN 'age_under_18' END,
      CASE WHEN "__screen_bp_severe" THEN 'bp_severe' END,
      CASE WHEN "__screen_active_suicidal_ideation" THEN 'active_suicidal_ideation' END,
      NULLIF(
        ARRAY_TO_STRING(
          LIST_FILTER(
            __conditions,
            LAMBDA x : x IN (
              'psychosis_history',
              'interstitial_cystitis',
              'severe_hepatic_impairment',
              'current_mania',
              'moderate_hepatic_impairment',
              'mania_history',
              'substance_use_disorder_history',
              'stroke_history',
              'uncontrolled_hyperthyroidism',
              'significant_respiratory_disease',
              'hypertensive_encephalopathy_history'
            )
          ),
          ';'
        ),
        ''
      ),
      NULLIF(
        ARRAY_TO_STRING(
          LIST_FILTER(
            __medications,
            LAMBDA x : x IN (
              'benzodiazepine',
              'maoi',
              'psychostimulant',
              'opioid',
              'other_cns_depressant',
              'theophylline'
            )
          ),
          ';'
        ),
        ''
      ),
      CASE
        WHEN "__screen_pregnancy_or_breastfeeding"
        THEN 'pregnancy_or_breastfeeding'
      END,
      CASE WHEN "__screen_bp_elevated" THEN 'bp_elevated' END,
      CASE WHEN "__screen_safety_assessment_needed" THEN 'safety_assessment_needed' END,
      CASE WHEN "__screen_bipolar_depression" THEN 'bipolar_depression' END,
      NULLIF(
        ARRAY_TO_STRING(LIST_FILTER(__medications, LAMBDA x : x IN ('lamotrigine', 'cyp3a4_inducer')), ';'),
        ''
      ),
      CASE WHEN "__screen_age_65_or_older" THEN 'age_65_or_older' END,
      CASE WHEN "__screen_pregnancy_planning" THEN 'pregnancy_planning' END,
      CASE WHEN "__screen_bp_not_recorded" THEN 'bp_not_recorded' END,
      CASE WHEN "__screen_suicidality_not_assessed" THEN 'suicidality_not_assessed' END,
      CASE WHEN "__screen_not_treatment_resistant" THEN 'not_treatment_resistant' END,
      CASE
        WHEN "__screen_antidepressant_trials_not_recorded"
        THEN 'antidepressant_trials_not_recorded'
      END,
      CASE WHEN "__screen_no_driver" THEN 'no_driver' END,
      CASE WHEN "__screen_prefers_home" THEN 'prefers_home' END,
      CASE WHEN "__screen_phq9_mild_or_less" THEN 'phq9_mild_or_less' END,
      CASE WHEN "__screen_phq9_severe" THEN 'phq9_severe' END
    ) AS "compounded_findings",
    CASE insurance
      WHEN 'commercial'
      THEN CAST(NULL AS BOOLEAN)
      WHEN 'medicare'
      THEN FALSE
      WHEN 'medicaid'
      THEN FALSE
      WHEN 'va_tricare'
      THEN FALSE
      WHEN 'uninsured'
      THEN FALSE
      ELSE CAST(NULL AS BOOLEAN)
    END AS "compounded_likely_covered",
    insurance,
    CASE
      WHEN NOT "sure_sure" IS NULL
      AND NOT "sure_understand" IS NULL
      AND NOT "sure_values" IS NULL
      AND NOT "sure_support" IS NULL
      THEN CAST(CAST("sure_sure" AS INT) + CAST("sure_understand" AS INT) + CAST("sure_values" AS INT) + CAST("sure_support" AS INT) AS TINYINT)
      ELSE CAST(NULL AS TINYINT)
    END AS sure_score,
    CASE
      WHEN insurance = 'commercial'
      AND COALESCE(
        CASE
          WHEN "__ind_spravato" = 'off_label'
          THEN FALSE
          WHEN "__ind_spravato" = 'not_established'
          THEN CAST(NULL AS BOOLEAN)
          WHEN age < 18
          THEN FALSE
          ELSE TRUE
        END,
        FALSE
      )
      THEN CAST(91.0 AS DOUBLE)
      WHEN insurance = 'medicare'
      AND COALESCE(
        CASE
          WHEN "__ind_spravato" = 'off_label'
          THEN FALSE
          WHEN "__ind_spravato" = 'not_established'
          THEN CAST(NULL AS BOOLEAN)
          WHEN age < 18
          THEN FALSE
          ELSE TRUE
        END,
        FALSE
      )
      THEN CAST(181.0 AS DOUBLE)
      WHEN insurance = 'medicaid'
      AND COALESCE(
        CASE
          WHEN "__ind_spravato" = 'off_label'
          THEN FALSE
          WHEN "__ind_spravato" = 'not_established'
          THEN CAST(NULL AS BOOLEAN)
          WHEN age < 18
          THEN FALSE
          ELSE TRUE
        END,
        FALSE
      )
      THEN CAST(0.0 AS DOUBLE)
      ELSE CAST(907.0 AS DOUBLE)
    END AS "spravato_oop_est_low",
    CASE
      WHEN insurance = 'commercial'
      AND COALESCE(
        CASE
          WHEN "__ind_spravato" = 'off_label'
          THEN FALSE
          WHEN "__ind_spravato" = 'not_established'
          THEN CAST(NULL AS BOOLEAN)
          WHEN age < 18
          THEN FALSE
          ELSE TRUE
        END,
        FALSE
      )
      THEN CAST(387.0 AS DOUBLE)
      WHEN insurance = 'medicare'
      AND COALESCE(
        CASE
          WHEN "__ind_spravato" = 'off_label'
          THEN FALSE
          WHEN "__ind_spravato" = 'not_established'
          THEN CAST(NULL AS BOOLEAN)
          WHEN age < 18
          THEN FALSE
          ELSE TRUE
        END,
        FALSE
      )
      THEN CAST(258.0 AS DOUBLE)
      WHEN insurance = 'medicaid'
      AND COALESCE(
        CASE
          WHEN "__ind_spravato" = 'off_label'
          THEN FALSE
          WHEN "__ind_spravato" = 'not_established'
          THEN CAST(NULL AS BOOLEAN)
          WHEN age < 18
          THEN FALSE
          ELSE TRUE
        END,
        FALSE
      )
      THEN CAST(4.0 AS DOUBLE)
      ELSE CAST(1290.0 AS DOUBLE)
    END AS "spravato_oop_est_high",
    CASE
      WHEN budget_per_session IS NULL
      THEN CAST(NULL AS BOOLEAN)
      ELSE CASE
        WHEN insurance = 'commercial'
        AND COALESCE(
          CASE
            WHEN "__ind_spravato" = 'off_label'
            THEN FALSE
            WHEN "__ind_spravato" = 'not_established'
            THEN CAST(NULL AS BOOLEAN)
            WHEN age < 18
            THEN FALSE
            ELSE TRUE
          END,
          FALSE
        )
        THEN CASE
          WHEN budget_per_session >= CAST(387.0 AS DOUBLE)
          THEN TRUE
          WHEN budget_per_session >= CAST(91.0 AS DOUBLE)
          THEN CAST(NULL AS BOOLEAN)
          ELSE FALSE
        END
        WHEN insurance = 'medicare'
        AND COALESCE(
          CASE
            WHEN "__ind_spravato" = 'off_label'
            THEN FALSE
            WHEN "__ind_spravato" = 'not_established'
            THEN CAST(NULL AS BOOLEAN)
            WHEN age < 18
            THEN FALSE
            ELSE TRUE
          END,
          FALSE
        )
        THEN CASE
          WHEN budget_per_session >= CAST(258.0 AS DOUBLE)
          THEN TRUE
          WHEN budget_per_session >= CAST(181.0 AS DOUBLE)
          THEN CAST(NULL AS BOOLEAN)
          ELSE FALSE
        END
        WHEN insurance = 'medicaid'
        AND COALESCE(
          CASE
            WHEN "__ind_spravato" = 'off_label'
            THEN FALSE
            WHEN "__ind_spravato" = 'not_established'
            THEN CAST(NULL AS BOOLEAN)
            WHEN age < 18
            THEN FALSE
            ELSE TRUE
          END,
          FALSE
        )
        THEN CASE
          WHEN budget_per_session >= CAST(4.0 AS DOUBLE)
          THEN TRUE
          WHEN budget_per_session >= CAST(0.0 AS DOUBLE)
          THEN CAST(NULL AS BOOLEAN)
          ELSE FALSE
        END
        ELSE CASE
          WHEN budget_per_session >= CAST(1290.0 AS DOUBLE)
          THEN TRUE
          WHEN budget_per_session >= CAST(907.0 AS DOUBLE)
          THEN CAST(NULL AS BOOLEAN)
          ELSE FALSE
        END
      END
    END AS "spravato_within_budget",
    CAST(350.0 AS DOUBLE) AS "iv_oop_est_low",
    CAST(800.0 AS DOUBLE) AS "iv_oop_est_high",
    CASE
      WHEN budget_per_session IS NULL
      THEN CAST(NULL AS BOOLEAN)
      ELSE CASE
        WHEN budget_per_session >= CAST(800.0 AS DOUBLE)
        THEN TRUE
        WHEN budget_per_session >= CAST(350.0 AS DOUBLE)
        THEN CAST(NULL AS BOOLEAN)
        ELSE FALSE
      END
    END AS "iv_within_budget",
    CAST(300.0 AS DOUBLE) AS "im_oop_est_low",
    CAST(600.0 AS DOUBLE) AS "im_oop_est_high",
    CASE
      WHEN budget_per_session IS NULL
      THEN CAST(NULL AS BOOLEAN)
      ELSE CASE
        WHEN budget_per_session >= CAST(600.0 AS DOUBLE)
        THEN TRUE
        WHEN budget_per_session >= CAST(300.0 AS DOUBLE)
        THEN CAST(NULL AS BOOLEAN)
        ELSE FALSE
      END
    END AS "im_within_budget",
    CAST(35.0 AS DOUBLE) AS "compounded_oop_est_low",
    CAST(215.0 AS DOUBLE) AS "compounded_oop_est_high",
    CASE
      WHEN budget_per_session IS NULL
      THEN CAST(NULL AS BOOLEAN)
      ELSE CASE
        WHEN budget_per_session >= CAST(215.0 AS DOUBLE)
        THEN TRUE
        WHEN budget_per_session >= CAST(35.0 AS DOUBLE)
        THEN CAST(NULL AS BOOLEAN)
        ELSE FALSE
      END
    END AS "compounded_within_budget",
    "__row",
    "__error"
  FROM __fired
) AS __rules
ORDER BY
  __row;
