package server

import "net/http"

// board answers the lock board (core.Service.Board). A supervisor's app asks for it about once a
// second while the board is open.
func (s *Server) board(w http.ResponseWriter, r *http.Request, c caller) error {
	b, err := s.core.Board(r.Context(), c.op)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, b)
	return nil
}
