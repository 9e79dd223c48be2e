-- What an export is written as: mp4 (the default), webm, gif, m4a or mp3.
ALTER TABLE renders ADD COLUMN format TEXT NOT NULL DEFAULT 'mp4';
