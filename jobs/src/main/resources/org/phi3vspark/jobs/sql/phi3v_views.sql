-- Convenience views over the phi3v results table.
--
-- This file is the ONE definition of the views: `bin/phi3v sql` (org.phi3vspark.jobs.sql.ResultViews)
-- and the notebooks in notebooks/ both run it, after registering the Parquet results as the
-- table/view `phi3v_results` (partition columns task and run_date come from the directory names).
--
-- Dialect: Spark SQL (LATERAL VIEW posexplode is Spark/Hive syntax). The notebooks therefore use PySpark.
-- Format: statements are separated by a semicolon at the end of a line; `--` starts a comment line.

-- The newest ok row per item and task (reruns and retries append rows; this is "the current answer").
CREATE OR REPLACE TEMPORARY VIEW phi3v_latest AS
SELECT *
FROM (
  SELECT r.*,
         ROW_NUMBER() OVER (PARTITION BY r.item_id, r.task ORDER BY r.created_at DESC, r.run_id DESC) AS latest_rank
  FROM phi3v_results r
  WHERE r.status = 'ok'
) ranked
WHERE latest_rank = 1;

-- Every error row, with whether the same item and task has an ok row by now (then it was retried successfully).
CREATE OR REPLACE TEMPORARY VIEW phi3v_errors AS
SELECT e.run_id,
       e.item_id,
       e.task,
       e.error_stage,
       e.error,
       e.image_uris,
       e.video_uri,
       e.prompt,
       e.model,
       e.num_crops,
       e.created_at,
       e.run_date,
       CASE WHEN l.item_id IS NULL THEN false ELSE true END AS resolved
FROM phi3v_results e
LEFT JOIN phi3v_latest l
  ON l.item_id = e.item_id AND l.task = e.task
WHERE e.status = 'error';

-- Chart data points of the latest ok chart results, one row per point.
CREATE OR REPLACE TEMPORARY VIEW phi3v_chart_points AS
SELECT l.item_id,
       l.run_id,
       l.chart.chart_type AS chart_type,
       l.chart.title AS title,
       l.chart.x_label AS x_label,
       l.chart.y_label AS y_label,
       s.series_index,
       s.series.name AS series_name,
       p.point_index,
       p.point.x AS x,
       p.point.y AS y
FROM phi3v_latest l
LATERAL VIEW posexplode(l.chart.series) s AS series_index, series
LATERAL VIEW posexplode(s.series.points) p AS point_index, point
WHERE l.task = 'chart' AND l.chart.parse_error IS NULL;

-- OCR lines of the latest ok ocr results, one row per line, line_number starting at 1.
CREATE OR REPLACE TEMPORARY VIEW phi3v_ocr_lines AS
SELECT l.item_id,
       l.run_id,
       o.line_index + 1 AS line_number,
       o.line
FROM phi3v_latest l
LATERAL VIEW posexplode(l.ocr.lines) o AS line_index, line
WHERE l.task = 'ocr';
